import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import http from "node:http";
import { admin, HYDRA_ADMIN, loginApp, type HydraUser } from "./hydra-login";

export type { HydraUser } from "./hydra-login";

// A real OpenID Connect provider for the single sign-on tests: Ory Hydra v2, built from its Go module by
// scripts/hydra.sh, serving in memory (`serve all --dev`, DSN=memory) on loopback: public API on 4444, admin API on
// 4445. Hydra has no login page by design (the identity provider's own pages do that): tests/support/hydra-login.ts
// is one, on 4446. Between the client and Hydra's token endpoint sits a relay on 4447 (Hydra's own discovery
// document names it, through webfinger.oidc_discovery.token_url): it passes every exchange through unchanged unless
// a test has it swap the id_token Hydra returned for another token Hydra really issued, to show the client refuses
// a genuine token that is not for it. ID tokens live 1 s: within the client's 30 s clock tolerance for a normal
// sign-in, so a test that waits past it holds an expired one.

export const HYDRA_PORTS = { public: 4444, admin: 4445, login: 4446, relay: 4447 } as const;
export const ISSUER = `http://127.0.0.1:${HYDRA_PORTS.public}/`;
const LOGIN = `http://127.0.0.1:${HYDRA_PORTS.login}`;
const RELAY = `http://127.0.0.1:${HYDRA_PORTS.relay}`;

export interface HydraClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** How the relay answers the next code exchange: Hydra's answer with this id_token instead, or Hydra's answer to the request sent twice. */
type RelayPlan = { idToken: string } | { replay: true };

/** The path of Hydra's binary, built (or found cached) by scripts/hydra.sh. */
export function hydraBinary(): string {
  const built = spawnSync("bash", ["scripts/hydra.sh"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (built.status !== 0) throw new Error("scripts/hydra.sh failed to build Ory Hydra");
  return built.stdout.trim().split("\n").at(-1)!;
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hydra exited with ${child.exitCode} before ${url} answered`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

const listen = (server: http.Server, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });

const close = (server: http.Server | undefined) => new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));

export class Hydra {
  private process?: ChildProcess;
  private login?: http.Server;
  private relay?: http.Server;
  private plan?: RelayPlan;
  /** The people of the login page, by username; a test may change their groups or email between sign-ins. */
  readonly users: Map<string, HydraUser>;

  constructor(users: HydraUser[]) {
    this.users = new Map(users.map((u) => [u.username, u]));
  }

  async start(): Promise<void> {
    const binary = hydraBinary();
    this.login = loginApp(this.users);
    this.relay = http.createServer((req, res) => void this.relayExchange(req, res));
    await Promise.all([listen(this.login, HYDRA_PORTS.login), listen(this.relay, HYDRA_PORTS.relay)]);
    this.process = spawn(binary, ["serve", "all", "--dev", "--sqa-opt-out"], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      // Hydra reads its configuration from these alone (none of the tests' own variables).
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        NODE_ENV: "production",
        DSN: "memory",
        SECRETS_SYSTEM: "dockyard-tests-hydra-system-secret-0123456789",
        URLS_SELF_ISSUER: ISSUER,
        URLS_LOGIN: `${LOGIN}/login`,
        URLS_CONSENT: `${LOGIN}/consent`,
        SERVE_PUBLIC_HOST: "127.0.0.1",
        SERVE_PUBLIC_PORT: String(HYDRA_PORTS.public),
        SERVE_ADMIN_HOST: "127.0.0.1",
        SERVE_ADMIN_PORT: String(HYDRA_PORTS.admin),
        WEBFINGER_OIDC_DISCOVERY_TOKEN_URL: `${RELAY}/oauth2/token`,
        TTL_ID_TOKEN: "1s",
        LOG_LEVEL: "warn",
      },
    });
    const log = (chunk: Buffer) => process.env.DOCKYARD_TEST_VERBOSE && process.stderr.write(chunk.toString().replace(/^/gm, "[hydra] "));
    const child = this.process;
    child.stdout!.on("data", log);
    child.stderr!.on("data", log);
    await waitFor(`${HYDRA_ADMIN}/health/ready`, child, 30_000);
    await waitFor(`${ISSUER}.well-known/openid-configuration`, child, 30_000);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid!, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    }
    this.login?.closeAllConnections();
    this.relay?.closeAllConnections();
    await Promise.all([close(this.login), close(this.relay)]);
  }

  /** An OAuth2 client registered through Hydra's admin API (a confidential one, as Dockyard is). */
  async createClient(name: string, redirectUri: string): Promise<HydraClient> {
    const made = await admin<{ client_id: string; client_secret: string }>("POST", "/admin/clients", {
      client_name: name,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      scope: "openid email profile",
      token_endpoint_auth_method: "client_secret_post",
    });
    return { clientId: made.client_id, clientSecret: made.client_secret, redirectUri };
  }

  /** The relay's next code exchange gets Hydra's answer with this id_token in place of the one Hydra issued. */
  swapNextIdToken(idToken: string): void {
    this.plan = { idToken };
  }

  /** The relay's next code exchange is sent to Hydra twice: the client gets Hydra's answer to the second (invalid_grant). */
  replayNextExchange(): void {
    this.plan = { replay: true };
  }

  private async relayExchange(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const plan = this.plan;
    this.plan = undefined;
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "authorization", "accept"]) if (req.headers[name]) headers[name] = String(req.headers[name]);
    const forward = () =>
      fetch(`${ISSUER.slice(0, -1)}${req.url}`, { method: req.method, headers, body: req.method === "POST" ? Buffer.concat(chunks) : undefined });
    let answer = await forward();
    if (plan && "replay" in plan) answer = await forward();
    let body = await answer.text();
    if (plan && "idToken" in plan && answer.ok) body = JSON.stringify({ ...JSON.parse(body), id_token: plan.idToken });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json", "cache-control": "no-store" });
    res.end(body);
  }
}
