import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import type { BrowserContext } from "@playwright/test";
import type { Stack } from "./stack";

// The front server (scripts/front.sh, Debian's Caddy) in front of a test stack, with certificates of its own CA,
// and a browser home whose NSS database trusts that CA: the tests reach the stack over HTTPS as a class would,
// without ignoring certificate errors. Reserved names (RFC 6761 .test) are mapped to this machine by the browser's
// host resolver rules (chromiumArgs) and by `request` here; the ports are high ones, not 80 and 443.

export interface FrontOptions {
  /** The public name and the preview domain (its previews are <label>.<previewDomain>). */
  host: string;
  previewDomain: string;
  httpsPort: number;
  httpPort: number;
}

export class Front {
  private caddy?: ChildProcess;

  constructor(
    readonly stack: Stack,
    readonly options: FrontOptions,
  ) {}

  get publicUrl() {
    return `https://${this.options.host}:${this.options.httpsPort}`;
  }

  get previewUrl() {
    return `https://*.${this.options.previewDomain}:${this.options.httpsPort}`;
  }

  /** What the site and the lab-runner of the stack must be given to serve on the public origin. */
  get stackEnv(): Record<string, string> {
    return { DOCKYARD_PUBLIC_URL: this.publicUrl, DOCKYARD_PREVIEW_URL: this.previewUrl };
  }

  /** The front server's own state (its CA, certificates) and the browser's home, inside the stack's data directory. */
  private get dir() {
    return path.join(this.stack.dataDir, "front");
  }

  get browserHome() {
    return path.join(this.dir, "browser-home");
  }

  get caFile() {
    return path.join(this.dir, "state", "front", "caddy", "pki", "authorities", "local", "root.crt");
  }

  /** Starts Caddy through scripts/front.sh (after the stack's reset), and makes the browser's home trust its CA. */
  async start(): Promise<void> {
    const env = {
      ...this.stack.env,
      PORT: String(this.stack.options.sitePort),
      DOCKYARD_TLS: "internal",
      DOCKYARD_FRONT_HTTP_PORT: String(this.options.httpPort),
      DOCKYARD_STATE_DIR: path.join(this.dir, "state"), // the front server's alone: the lab-runner keeps the engine's
    };
    this.caddy = spawn("bash", ["scripts/front.sh", "run"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let log = "";
    const keep = (chunk: Buffer) => {
      log += chunk;
      if (process.env.DOCKYARD_TEST_VERBOSE) process.stderr.write(chunk.toString().replace(/^/gm, "[front] "));
    };
    this.caddy.stdout!.on("data", keep);
    this.caddy.stderr!.on("data", keep);
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(this.caFile) || (await this.request("/").catch(() => undefined)) === undefined) {
      if (this.caddy.exitCode !== null || Date.now() > deadline) throw new Error(`the front server did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    this.trustCa();
  }

  /** An NSS database in the browser's home (where Chromium on Linux reads trusted roots) holding the front server's CA. */
  private trustCa(): void {
    const db = `sql:${path.join(this.browserHome, ".pki", "nssdb")}`;
    fs.rmSync(this.browserHome, { recursive: true, force: true });
    fs.mkdirSync(path.join(this.browserHome, ".pki", "nssdb"), { recursive: true });
    for (const args of [
      ["-N", "-d", db, "--empty-password"],
      ["-A", "-d", db, "-n", "dockyard-test-front", "-t", "C,,", "-i", this.caFile],
    ]) {
      const done = spawnSync("certutil", args, { encoding: "utf8" });
      if (done.status !== 0) throw new Error(`certutil ${args.join(" ")} failed:\n${done.stdout}${done.stderr}`);
    }
  }

  async stop(): Promise<void> {
    const caddy = this.caddy;
    if (!caddy || caddy.exitCode !== null || caddy.signalCode !== null) return;
    const exited = new Promise((r) => caddy.once("exit", r));
    process.kill(-caddy.pid!, "SIGTERM");
    await exited;
  }

  /**
   * A request from Node to the public origin as the browser's learner, with the cookies `context` holds for it: the
   * browser's own request can fail with ERR_NETWORK_CHANGED when a lab's network comes or goes on this host (the
   * browser shares it, as a learner's does not). Undefined when the browser has no cookie there (no session, so no lab).
   */
  async requestAs(
    context: BrowserContext,
    pathname: string,
    init: { method: string; body?: string },
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string } | undefined> {
    const cookie = (await context.cookies(this.publicUrl)).map((c) => `${c.name}=${c.value}`).join("; ");
    return cookie ? this.request(pathname, { ...init, headers: { cookie } }) : undefined;
  }

  /**
   * A request from Node to a host name the front server serves (the public one unless given), over HTTPS trusting
   * its CA, or plain HTTP on its HTTP port; the name is resolved to this machine.
   */
  request(
    pathname: string,
    init: { method?: string; headers?: Record<string, string>; host?: string; plain?: boolean; body?: string } = {},
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const host = init.host ?? this.options.host;
    const port = init.plain ? this.options.httpPort : this.options.httpsPort;
    const transport = init.plain ? http : https;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        {
          host,
          port,
          path: pathname,
          method: init.method ?? "GET",
          headers: init.headers,
          ca: init.plain ? undefined : fs.readFileSync(this.caFile),
          lookup: (_name, options, callback) =>
            (options as { all?: boolean }).all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4),
        },
        (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        },
      );
      req.on("error", reject).end(init.body);
    });
  }
}
