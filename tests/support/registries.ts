import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { engineSocket } from "@dockyard/contract/server";

// Registries of a test's own, on this machine only: a plain docker-registry that plays the internet's registry (the
// upstream, on a loopback port), Dockyard's registry mirror in front of it (scripts/mirror.sh, with a state
// directory of the test's own), and an image pushed to the upstream that no sandbox has ever seen.

const run = promisify(execFile);
const REGISTRY = "/usr/bin/docker-registry";

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

async function waitFor(url: string, what: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer on ${url}:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Upstream {
  /** http://127.0.0.1:<port>, as the mirror reaches it. */
  url: string;
  /** host:port, as Dockyard's engine names images to push there. */
  host: string;
  /** How many times it answered a GET of this blob (its access log). */
  blobGets(repository: string, digest: string): number;
  /** The requests it logged that wrote something (blob uploads, manifest puts). */
  writes(): string[];
  stop(): Promise<void>;
}

/** A plain (not proxying) docker-registry on a loopback port, its storage and log in `dir`. */
export async function startUpstream(dir: string): Promise<Upstream> {
  const port = await freePort();
  fs.mkdirSync(path.join(dir, "data"), { recursive: true });
  const config = {
    version: "0.1",
    log: { level: "info", formatter: "text" },
    storage: { filesystem: { rootdirectory: path.join(dir, "data") } },
    http: { addr: `127.0.0.1:${port}` },
  };
  fs.writeFileSync(path.join(dir, "config.yml"), JSON.stringify(config));
  const logFile = path.join(dir, "registry.log");
  const out = fs.openSync(logFile, "a");
  let child: ChildProcess | undefined = spawn(REGISTRY, ["serve", path.join(dir, "config.yml")], { stdio: ["ignore", out, out] });
  fs.closeSync(out);
  const log = () => fs.readFileSync(logFile, "utf8");
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/v2/`, "the upstream registry", log);
  return {
    url,
    host: `127.0.0.1:${port}`,
    blobGets: (repository, digest) =>
      log()
        .split("\n")
        .filter((l) => l.includes(`"GET /v2/${repository}/blobs/${digest} `)).length,
    writes: () =>
      log()
        .split("\n")
        .filter((l) => /"(POST|PUT|PATCH) \/v2\//.test(l)),
    stop: async () => {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      await exited;
    },
  };
}

export interface Mirror {
  /** http://10.213.0.1:<port>, as sandboxes reach it. */
  url: string;
  port: number;
  /** The environment scripts/mirror.sh and scripts/images.sh run it with. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Dockyard's registry mirror of the upstream, started by scripts/mirror.sh with the test's own state directory. */
export async function startMirror(upstream: Upstream, stateDir: string): Promise<Mirror> {
  const port = await freePort();
  const env = { ...process.env, DOCKYARD_STATE_DIR: stateDir, DOCKYARD_REGISTRY_MIRROR_UPSTREAM: upstream.url, DOCKYARD_REGISTRY_MIRROR_PORT: String(port) };
  const stop = async () => void (await run("bash", ["scripts/mirror.sh", "stop"], { env }));
  try {
    await run("bash", ["scripts/mirror.sh", "start"], { env });
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { url: `http://10.213.0.1:${port}`, port, env, stop };
}

const docker = (...args: string[]) => run("docker", ["-H", `unix://${engineSocket()}`, ...args], { env: { ...process.env, DOCKER_BUILDKIT: "0" } });

export interface PushedImage {
  /** As the upstream names it: library/<name> (a Docker Hub official image, so that sandboxes pull it as <name>). */
  repository: string;
  name: string;
  /** The digest of its one layer of its own, which no other image has. */
  layer: string;
  /** What its /hello.txt holds. */
  text: string;
  /** Removes it from Dockyard's engine (the upstream goes with its directory). */
  remove(): Promise<void>;
}

/** Builds on Dockyard's engine (offline: FROM its busybox course image) an image with a file of its own, and pushes it to the upstream. */
export async function pushNewImage(upstream: Upstream, name: string): Promise<PushedImage> {
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-image-"));
  const text = `made by the test ${name} at ${new Date().toISOString()}`;
  const ref = `${upstream.host}/library/${name}:latest`;
  try {
    fs.writeFileSync(path.join(ctx, "hello.txt"), text + "\n");
    fs.writeFileSync(path.join(ctx, "Dockerfile"), "FROM busybox:latest\nCOPY hello.txt /hello.txt\n");
    await docker("build", "-q", "-t", ref, ctx);
    await docker("push", "-q", ref);
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
  const manifest = (await (
    await fetch(`${upstream.url}/v2/library/${name}/manifests/latest`, { headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } })
  ).json()) as { layers: { digest: string }[] };
  return {
    repository: `library/${name}`,
    name,
    layer: manifest.layers.at(-1)!.digest,
    text,
    remove: async () => void (await docker("rmi", "-f", ref).catch(() => undefined)),
  };
}
