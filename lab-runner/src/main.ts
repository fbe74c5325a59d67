import {
  bootConcurrency,
  contentDir,
  evictionPolicy,
  idleTimeoutMs,
  labQuotas,
  reapIntervalMs,
  recordingMaxBytes,
  recordingsDir,
  runnerHost,
  runnerPort,
  secret,
  loadLessons,
  poolPolicy,
} from "@dockyard/contract/server";
import { spawnPty } from "./terminal/pty";
import { selectDriver } from "./sandbox/select";
import { LabManager } from "./labs";
import { lessonReader } from "./lessons";
import { startRounds } from "./labs/rounds";
import { poolSeed } from "./labs/pool";
import { Recordings } from "./recordings/store";
import { createServer } from "./http/server";

// Composition root: wires the sandbox driver (DOCKYARD_SANDBOX_DRIVER), lessons, lab manager, its rounds and HTTP/WebSocket server together.

const driver = selectDriver();
const recordings = new Recordings(recordingsDir(), { maxBytes: recordingMaxBytes() });
const pool = poolPolicy();
const labs = new LabManager(driver, {
  idleTimeoutMs: idleTimeoutMs(),
  findLesson: lessonReader(contentDir()),
  spawnPty,
  recordings,
  eviction: evictionPolicy(),
  ...labQuotas(),
  bootConcurrency: bootConcurrency(),
  pool: { ...pool, seed: poolSeed(loadLessons(contentDir()).lessons, pool.lessons) },
});

const adopted = await labs.adopt();
const server = createServer(labs, secret(), recordings);
server.listen(runnerPort(), runnerHost(), () => {
  console.log(`[lab-runner] listening on http://${runnerHost()}:${runnerPort()} (adopted ${adopted} running sandboxes)`);
});

const stopRounds = startRounds(labs, reapIntervalMs());
void labs.tendPool(); // removes pooled nodes a change of image made stale, and boots the pool full

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopRounds();
    server.close();
    process.exit(0); // sandboxes keep running: the next lab-runner adopts them by their labels
  });
}
