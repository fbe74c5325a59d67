import { contentDir, idleTimeoutMs, labQuotas, recordingMaxBytes, recordingsDir, runnerPort, secret, findLesson } from "@dockyard/contract/server";
import { spawnPty } from "./terminal/pty";
import { DockerSandboxDriver } from "./sandbox/docker";
import { LabManager } from "./labs";
import { startRounds } from "./labs/rounds";
import { Recordings } from "./recordings/store";
import { createServer } from "./http/server";

// Composition root: wires the Docker driver, lessons, lab manager, its rounds and HTTP/WebSocket server together.

const REAP_EVERY_MS = Number(process.env.DOCKYARD_REAP_INTERVAL_SECONDS ?? 30) * 1000;
const host = process.env.DOCKYARD_RUNNER_HOST ?? "127.0.0.1";

const driver = new DockerSandboxDriver();
const recordings = new Recordings(recordingsDir(), { maxBytes: recordingMaxBytes() });
const labs = new LabManager(driver, {
  idleTimeoutMs: idleTimeoutMs(),
  findLesson: (slug) => findLesson(contentDir(), slug),
  spawnPty,
  recordings,
  ...labQuotas(),
});

const adopted = await labs.adopt();
const server = createServer(labs, secret(), recordings);
server.listen(runnerPort(), host, () => {
  console.log(`[lab-runner] listening on http://${host}:${runnerPort()} (adopted ${adopted} running sandboxes)`);
});

const stopRounds = startRounds(labs, REAP_EVERY_MS);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopRounds();
    server.close();
    process.exit(0); // sandboxes keep running: the next lab-runner adopts them by their labels
  });
}
