import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

// Dockyard's systemd units as scripts/service.sh writes them, and their services run as systemd would run them
// where PID 1 is not systemd (as on the test host): the unit's ExecStart, in its WorkingDirectory, with only the
// environment its Environment= and EnvironmentFile= give, stopped by SIGTERM to all its processes.

/** Installs the units and their environment file into `dir` (units/ and dockyard.env) from `env`; returns the script's output. */
export function installUnits(dir: string, env: Record<string, string | undefined>): string {
  const done = spawnSync("bash", ["scripts/service.sh", "install", "--unit-dir", path.join(dir, "units"), "--env-file", path.join(dir, "dockyard.env")], {
    env: env as NodeJS.ProcessEnv,
    encoding: "utf8",
  });
  if (done.status !== 0) throw new Error(`scripts/service.sh install failed:\n${done.stdout}\n${done.stderr}`);
  return done.stdout;
}

/** The [Section] key=value lines of a unit file, each key with all its values in order. */
export function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let section: Record<string, string[]> | undefined;
  for (const line of text.split("\n")) {
    if (!line.trim() || line.startsWith("#")) continue;
    const header = line.match(/^\[(\w+)\]$/);
    if (header) section = sections[header[1]!] = {};
    else {
      const at = line.indexOf("=");
      if (!section || at < 0) throw new Error(`not a unit file line: ${line}`);
      (section[line.slice(0, at)] ??= []).push(line.slice(at + 1));
    }
  }
  return sections;
}

/** systemd's environment file: KEY="value" lines (backslash escapes), comments and blank lines skipped. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (!line.trim() || line.startsWith("#")) continue;
    const m = line.match(/^([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"$/) ?? line.match(/^([A-Za-z_]\w*)=([^"]*)$/);
    if (!m) throw new Error(`not an environment file line: ${line}`);
    env[m[1]!] = m[2]!.replace(/\\(.)/g, "$1");
  }
  return env;
}

/** What starting the unit runs: its command, directory and environment, exactly as the unit file says. */
export function unitCommand(file: string) {
  const service = parseUnit(fs.readFileSync(file, "utf8")).Service ?? {};
  const [execStart, ...more] = service.ExecStart ?? [];
  if (!execStart || more.length) throw new Error(`${file}: not one ExecStart`);
  // The units' command lines are plain words; anything systemd would expand or unquote is beyond this runner.
  if (/["'$\\%]/.test(execStart)) throw new Error(`${file}: ExecStart needs systemd's quoting or expansion: ${execStart}`);
  const env: Record<string, string> = {};
  for (const line of service.Environment ?? []) {
    for (const pair of line.split(/\s+/).filter(Boolean)) env[pair.slice(0, pair.indexOf("="))] = pair.slice(pair.indexOf("=") + 1);
  }
  // Settings from the environment file override Environment= (systemd.exec).
  for (const envFile of service.EnvironmentFile ?? []) Object.assign(env, parseEnvironmentFile(fs.readFileSync(envFile, "utf8")));
  const [command, ...args] = execStart.split(/\s+/);
  return { command: command!, args, cwd: service.WorkingDirectory?.[0] ?? "/", env };
}

/** One unit's service, started and stopped as systemd starts and stops it. */
export class UnitProcess {
  private child?: ChildProcess;
  readonly log: string[] = [];

  constructor(readonly file: string) {}

  start(): void {
    const { command, args, cwd, env } = unitCommand(this.file);
    const child = spawn(command, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const keep = (chunk: Buffer) => {
      this.log.push(chunk.toString());
      if (process.env.DOCKYARD_TEST_VERBOSE) process.stderr.write(chunk.toString().replace(/^/gm, `[${path.basename(this.file)}] `));
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    this.child = child;
  }

  get exited(): boolean {
    return !this.child || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** `systemctl stop`: SIGTERM to every process of the service (KillMode=control-group), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid!, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (!this.exited) (process.kill(-child.pid!, "SIGKILL"), await exited);
  }

  /** Waits until `url` answers below 500 while the service runs. */
  async answers(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${path.basename(this.file)} exited before ${url} answered:\n${this.log.join("").slice(-2000)}`);
      try {
        if ((await fetch(url)).status < 500) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${this.log.join("").slice(-2000)}`);
  }
}
