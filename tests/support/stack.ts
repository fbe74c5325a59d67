import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { TestInfo } from "@playwright/test";
import { freshPostgresDatabase } from "./postgres";
import type { Seeded, SeedPlan } from "./seed-people";

/** The Playwright project "postgresql" runs the tests tagged @database again on PostgreSQL. */
export const projectDatabase = (info: TestInfo) => (info.project.name === "postgresql" ? "postgresql" : "sqlite");

// Starts the real Dockyard stack (lab-runner + built site) for tests, on its own ports and data directory,
// and can restart either service in place.

export interface StackOptions {
  name: string;
  sitePort: number;
  runnerPort: number;
  /** SQLite in the data directory (the default), or a database of its own on Dockyard's PostgreSQL server. */
  database?: "sqlite" | "postgresql";
  /** Serve the site with `next dev` (what a lesson author runs) instead of the production build. */
  dev?: boolean;
  env?: Record<string, string>;
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode} before it answered`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export class Stack {
  readonly env: NodeJS.ProcessEnv;
  private runner?: ChildProcess;
  private site?: ChildProcess;

  constructor(readonly options: StackOptions) {
    const dataDir = path.resolve(".data", "stacks", options.name);
    this.env = {
      ...process.env,
      NODE_ENV: options.dev ? "development" : "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DOCKYARD_DATA_DIR: dataDir,
      DOCKYARD_RUNNER_PORT: String(options.runnerPort),
      // No warm pool unless a test asks for one: its background boots would change what the others measure (the
      // queue's places, boot stages), and its nodes would outlive the stack.
      DOCKYARD_POOL_SIZE: "0",
      ...options.env,
    };
  }

  get siteUrl() {
    return `http://127.0.0.1:${this.options.sitePort}`;
  }

  get runnerUrl() {
    return `http://127.0.0.1:${this.options.runnerPort}`;
  }

  /** The lab-runner's own process (it runs as a single node process). */
  get runnerPid(): number {
    return this.runner!.pid!;
  }

  /** The site's process (`npx next start`), which leads the process group of the site's server. */
  get sitePid(): number {
    return this.site!.pid!;
  }

  /** The signing secret the stack generated in its data directory (tests mint tokens with it). */
  get secret(): string {
    return fs.readFileSync(path.join(this.dataDir, "secret"), "utf8").trim();
  }

  get dataDir() {
    return this.env.DOCKYARD_DATA_DIR!;
  }

  /** A fresh data directory (secret, SQLite database) and a fresh PostgreSQL database if used, migrated. */
  async reset(): Promise<void> {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    if (this.options.database === "postgresql") this.env.DATABASE_URL = await freshPostgresDatabase(`dockyard_${this.options.name.replace(/\W/g, "_")}`);
    const migrate = spawnSync("bash", ["scripts/prisma.sh", "migrate", "deploy"], { env: this.env, encoding: "utf8" });
    if (migrate.status !== 0) throw new Error(`migrate deploy failed:\n${migrate.stdout}\n${migrate.stderr}`);
  }

  /** The site's admin account, made as scripts/setup.sh makes it (after reset). */
  createAdmin(email: string, password: string): void {
    const env = { ...this.env, DOCKYARD_ADMIN_EMAIL: email, DOCKYARD_ADMIN_PASSWORD: password };
    const made = spawnSync("npx", ["--no-install", "tsx", "scripts/create-admin.ts"], { env, encoding: "utf8" });
    if (made.status !== 0) throw new Error(`create-admin failed:\n${made.stdout}\n${made.stderr}`);
  }

  /** Accounts and cohorts made directly in the stack's database (after reset): their ids by email and by name. */
  seedPeople(plan: SeedPlan): Seeded {
    const made = spawnSync("npx", ["--no-install", "tsx", "tests/support/seed-people.ts"], {
      env: { ...this.env, DOCKYARD_SEED: JSON.stringify(plan) },
      encoding: "utf8",
    });
    if (made.status !== 0) throw new Error(`seeding people failed:\n${made.stdout}\n${made.stderr}`);
    return JSON.parse(made.stdout.trim().split("\n").at(-1)!) as Seeded;
  }

  private launch(label: string, command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, { env: this.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const prefix = (chunk: Buffer) =>
      process.env.DOCKYARD_TEST_VERBOSE && process.stderr.write(chunk.toString().replace(/^/gm, `[${this.options.name}:${label}] `));
    child.stdout!.on("data", prefix);
    child.stderr!.on("data", prefix);
    return child;
  }

  async startRunner(): Promise<void> {
    this.runner = this.launch("runner", "node", ["--import", "tsx", "lab-runner/src/main.ts"]);
    await waitFor(`${this.runnerUrl}/health`, this.runner, 30_000);
  }

  async startSite(): Promise<void> {
    const mode = this.options.dev ? "dev" : "start";
    this.site = this.launch("site", "npx", ["next", mode, "-H", "127.0.0.1", "-p", String(this.options.sitePort)]);
    await waitFor(this.siteUrl, this.site, this.options.dev ? 180_000 : 60_000);
  }

  async start(): Promise<void> {
    await Promise.all([this.startRunner(), this.startSite()]);
  }

  private static async kill(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid!, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  }

  /** A crash: SIGKILL to the service's whole process group, nothing gets to clean up. */
  async crash(which: "runner" | "site"): Promise<void> {
    const child = which === "runner" ? this.runner : this.site;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid!, "SIGKILL");
    await exited;
  }

  async stopRunner(): Promise<void> {
    await Stack.kill(this.runner);
  }

  async stopSite(): Promise<void> {
    await Stack.kill(this.site);
  }

  async stop(): Promise<void> {
    await Promise.all([this.stopRunner(), this.stopSite()]);
  }

  /**
   * The site again, with the settings now in `env`. `npx` exits before the server it started does, and that server
   * would go on answering the browser's kept-alive connections in the new one's place: wait until the site's whole
   * process group is gone.
   */
  async restartSite(): Promise<void> {
    const group = this.site?.pid;
    await this.stopSite();
    const alive = () => {
      try {
        process.kill(-group!, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 10_000;
    while (group && alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await this.startSite();
  }
}
