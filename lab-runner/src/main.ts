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
import { DockerSandboxDriver } from "./sandbox/docker";
import { LabManager } from "./labs";
import { lessonReader } from "./lessons";
import { startRounds } from "./labs/rounds";
import { Recordings } from "./recordings/store";
import { createServer } from "./http/server";

// Composition root: wires the Docker driver, lessons, lab manager, its rounds and HTTP/WebSocket server together.

const driver = new DockerSandboxDriver();
const recordings = new Recordings(recordingsDir(), { maxBytes: recordingMaxBytes() });
// Before learners open any lab, the pool keeps nodes for the first lesson it can serve (one node, no registry).
const firstLesson = loadLessons(contentDir()).lessons.find((lesson) => lesson.nodes === 1 && !lesson.registry);
const labs = new LabManager(driver, {
  idleTimeoutMs: idleTimeoutMs(),
  findLesson: lessonReader(contentDir()),
  spawnPty,
  recordings,
  eviction: evictionPolicy(),
  ...labQuotas(),
  bootConcurrency: bootConcurrency(),
  pool: { ...poolPolicy(), seed: firstLesson ? [firstLesson.images] : [] },
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
