import { contentDir, idleTimeoutMs, labQuotas, reapIntervalMs, recordingMaxBytes, recordingsDir, runnerHost, runnerPort, secret, findLesson } from "@dockyard/contract/server";
import { spawnPty } from "./terminal/pty";
import { DockerSandboxDriver } from "./sandbox/docker";
import { LabManager } from "./labs";
import { Recordings } from "./recordings/store";
import { createServer } from "./http/server";

// Composition root: wires the Docker driver, lessons, lab manager and HTTP/WebSocket server together.

const REAP_EVERY_MS = reapIntervalMs();
const LOOK_EVERY_MS = 2000;
const host = runnerHost();

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

const reaper = setInterval(() => {
  labs.reap().then(
    (removed) => removed.length && console.log(`[lab-runner] removed idle sandboxes: ${removed.join(", ")}`),
    (e) => console.error("[lab-runner] reaping failed:", e),
  );
}, REAP_EVERY_MS);

let looking = false; // one look at a time, however slow the engine answers
const lookout = setInterval(() => {
  if (looking) return;
  looking = true;
  labs
    .watchEngine()
    .then((up) => (up ? labs.tellLimits() : undefined))
    .catch((e) => console.error("[lab-runner] watching the engine and the labs' limits failed:", e))
    .finally(() => (looking = false));
}, LOOK_EVERY_MS);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    clearInterval(reaper);
    clearInterval(lookout);
    server.close();
    process.exit(0); // sandboxes keep running: the next lab-runner adopts them by their labels
  });
}
