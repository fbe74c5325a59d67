import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";

// Every setting Dockyard reads from the environment, with its default, in one place.

// Both services start from the repository root (npm scripts, scripts/*.sh); bundling moves this file, so
// its own location would not tell.
const repoRoot = process.cwd();

export const dataDir = () => process.env.DOCKYARD_DATA_DIR ?? path.join(repoRoot, ".data");
export const contentDir = () => process.env.DOCKYARD_CONTENT_DIR ?? path.join(repoRoot, "content");
export const stateDir = () => process.env.DOCKYARD_STATE_DIR ?? "/var/lib/dockyard";

export const databaseUrl = () => process.env.DATABASE_URL ?? `file:${path.join(dataDir(), "dockyard.db")}`;
/** SQLite is the embedded default; a postgres:// or postgresql:// DATABASE_URL selects PostgreSQL. */
export const usesPostgres = () => /^postgres(ql)?:\/\//.test(databaseUrl());

/** Dockyard's own dockerd (userns-remapped); never the host's default daemon. */
export const engineSocket = () => process.env.DOCKYARD_ENGINE_SOCKET ?? path.join(stateDir(), "engine", "docker.sock");

export const runnerPort = () => Number(process.env.DOCKYARD_RUNNER_PORT ?? 3001);
export const runnerUrl = () => process.env.DOCKYARD_RUNNER_URL ?? `http://127.0.0.1:${runnerPort()}`;
/** Where the browser reaches the lab-runner's WebSocket (differs from runnerUrl behind a proxy). */
export const runnerPublicUrl = () => process.env.DOCKYARD_RUNNER_PUBLIC_URL ?? `ws://localhost:${runnerPort()}`;
/** Where browsers open web previews (the lab-runner's HTTP side); a host of its own keeps previewed apps away from the site's cookies. */
export const previewPublicUrl = () => process.env.DOCKYARD_PREVIEW_PUBLIC_URL ?? runnerPublicUrl().replace(/^ws/, "http");

/** Terminal recordings, kept as evidence for graders (see lab-runner/src/recordings/store.ts). */
export const recordingsDir = () => path.join(dataDir(), "recordings");
/** Each node's recording stops, with a final marker, at this size. */
export const recordingMaxBytes = () => Number(process.env.DOCKYARD_RECORDING_MAX_MIB ?? 20) * 1024 * 1024;

export const idleTimeoutMs = () => Number(process.env.DOCKYARD_IDLE_TIMEOUT_MINUTES ?? 30) * 60_000;
export const tokenTtlSeconds = () => Number(process.env.DOCKYARD_TOKEN_TTL_SECONDS ?? 300);

/** HMAC key shared by the site and the lab-runner; generated once and kept in the data dir. */
export function secret(): string {
  if (process.env.DOCKYARD_SECRET) return process.env.DOCKYARD_SECRET;
  const file = path.join(dataDir(), "secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(dataDir(), { recursive: true });
    const value = crypto.randomBytes(32).toString("hex");
    try {
      fs.writeFileSync(file, value, { mode: 0o600, flag: "wx" });
      return value;
    } catch {
      return fs.readFileSync(file, "utf8").trim(); // another process created it first
    }
  }
}

/** How many labs one learner may run at once, and how many may run on this host in all. */
export const labQuotas = () => ({
  maxLabsPerLearner: Number(process.env.DOCKYARD_MAX_LABS_PER_LEARNER ?? 3),
  maxLabs: Number(process.env.DOCKYARD_MAX_LABS ?? 30),
});

/** Each node's own disk (its Docker data, /root and /tmp). */
export const nodeDiskBytes = () => Number(process.env.DOCKYARD_NODE_DISK_GIB ?? 10) * 1024 ** 3;
