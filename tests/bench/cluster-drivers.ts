import { parseLesson, sandboxIdFor } from "@dockyard/contract/server";
import { LabManager } from "../../lab-runner/src/labs";
import type { SandboxDriver } from "../../lab-runner/src/sandbox/driver";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { KubernetesSandboxDriver } from "../../lab-runner/src/sandbox/kubernetes";
import { spawnPty } from "../../lab-runner/src/terminal/pty";
import { prepareNode1, SECCOMP_LOCALHOST } from "../support/sandbox-pod";
import { startTestCluster } from "../support/test-cluster";
import { percentile } from "./stats";

// `npm run bench:cluster`'s comparison of the two drivers on this host, in one run: the Docker driver (a sandbox on
// Dockyard's engine) and the Kubernetes driver (a pod on the test cluster's REAL node: kubelet + containerd inside a
// Dockyard sandbox, so every pod pays one more level of nesting than a production node would). Both through LabManager
// with the same one-node lesson, interleaved run by run so they share the machine's load (the cluster's idle control
// plane runs throughout): ready time (ensure → ready), the terminal's echo (a keystroke typed → its echo seen; Docker:
// `docker exec -it` on the engine socket; Kubernetes: the exec bridge over the API's WebSocket), and a check's latency
// (a container check judged against the inner dockerd: Docker through its socket, Kubernetes through a port-forward).

export interface DriverBenchOptions {
  /** Labs started per driver (each measured until ready, then removed; the last is kept for echo and checks). */
  starts: number;
  keystrokes: number;
  checks: number;
}

export const DRIVER_BENCH_DEFAULTS: DriverBenchOptions = { starts: 5, keystrokes: 100, checks: 20 };

const SLUG = "bench-cluster-drivers";
const LESSON = parseLesson(
  "---\ntitle: B\nsummary: S\norder: 1\nminutes: 5\nimages: [busybox]\n---\n\n" +
    '<Step id="run" title="Run">\n\n```check\nkind: container\nname: web\nstatus: running\n```\n</Step>\n',
  "lesson.mdx",
  SLUG,
);

type Samples = { ready: number[]; echo: number[]; check: number[] };
const progress = (what: string) => console.error(`[bench:cluster drivers ${new Date().toISOString().slice(11, 19)}] ${what}`);

export async function clusterDrivers(options: DriverBenchOptions = DRIVER_BENCH_DEFAULTS): Promise<void> {
  progress("booting the test cluster (a real node) and loading the sandbox image into it");
  const cluster = await startTestCluster({ fakeNodes: 0, images: ["busybox"], log: progress });
  const removals: (() => Promise<void>)[] = [];
  try {
    process.env.DOCKYARD_KUBECONFIG = cluster.kubeconfigPath; // the terminal bridge reads it, as in a configured lab-runner
    const image = await prepareNode1(cluster, ["busybox"]);
    const namespace = `dockyard-bench-${process.pid}`;
    const kubernetes = new KubernetesSandboxDriver({
      settings: { namespace, image, seccompProfile: SECCOMP_LOCALHOST, insecure: true },
      bootTimeoutMs: 240_000,
    });
    await kubernetes.clients.core.createNamespace({ body: { metadata: { name: namespace } } });
    const drivers = { docker: new DockerSandboxDriver() as SandboxDriver, kubernetes };
    const samples: Record<keyof typeof drivers, Samples> = { docker: { ready: [], echo: [], check: [] }, kubernetes: { ready: [], echo: [], check: [] } };
    for (let i = 0; i < options.starts; i++)
      for (const [name, driver] of Object.entries(drivers) as [keyof typeof drivers, SandboxDriver][]) {
        progress(`${name}: start ${i + 1} of ${options.starts}`);
        const labs = labManager(driver);
        const learner = `bench-${name}-${process.pid}-${i}`;
        const id = sandboxIdFor(learner, SLUG);
        removals.push(() => labs.remove(id));
        const t0 = performance.now();
        await labs.ensure(learner, SLUG);
        await labs.watch(id, () => {});
        samples[name].ready.push(performance.now() - t0);
        if (i === options.starts - 1) {
          samples[name].echo = await echo(labs, id, options.keystrokes);
          samples[name].check = await checks(labs, driver, id, options.checks);
        }
        await labs.remove(id);
      }
    print(samples);
  } finally {
    for (const remove of removals) await remove().catch(() => undefined);
    await cluster.remove();
  }
}

function labManager(driver: SandboxDriver): LabManager {
  return new LabManager(driver, { idleTimeoutMs: 3_600_000, findLesson: (slug) => (slug === SLUG ? LESSON : undefined), spawnPty });
}

/** Keystrokes into `cat > /dev/null` (echoed by the TTY, printed by nobody else): typed → seen. */
async function echo(labs: LabManager, id: string, keystrokes: number): Promise<number[]> {
  let output = "";
  const session = labs.session(id);
  const detach = session.attach({ output: (data) => (output += data.toString("utf8")), control() {} });
  const seen = async (text: string) => {
    for (let i = 0; i < 2000 && !output.includes(text); i++) await new Promise((resolve) => setTimeout(resolve, 1));
    if (!output.includes(text)) throw new Error(`the terminal did not show ${JSON.stringify(text)}: ${JSON.stringify(output.slice(-300))}`);
  };
  session.input("echo ready-$((1+1))\r");
  await seen("ready-2");
  session.input("cat > /dev/null\r");
  await new Promise((resolve) => setTimeout(resolve, 500));
  const samples: number[] = [];
  for (let i = 0; i < keystrokes; i++) {
    const key = "abcdefghijklmnopqrstuvwxyz"[i % 26]!;
    output = "";
    const t0 = performance.now();
    session.input(key);
    await seen(key);
    samples.push(performance.now() - t0);
  }
  session.input("\x03");
  detach();
  return samples;
}

/** A container check that passes (the container runs), judged again and again. */
async function checks(labs: LabManager, driver: SandboxDriver, id: string, runs: number): Promise<number[]> {
  const started = await driver.exec(id, ["docker", "run", "-d", "--name", "web", "busybox", "sleep", "1d"], { timeoutMs: 60_000 });
  if (started.exitCode !== 0) throw new Error(`could not start the checked container: ${started.output}`);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const result = await labs.check(id, SLUG, "run");
    samples.push(performance.now() - t0);
    if (!result.passed) throw new Error(`the check failed: ${result.criteria.map((c) => c.message).join("; ")}`);
  }
  return samples;
}

function print(samples: Record<"docker" | "kubernetes", Samples>): void {
  const ms = (values: number[], p: number) => (values.length ? percentile(values, p).toFixed(1) : "-").padStart(9);
  const row = (label: string, key: keyof Samples) =>
    `${label.padEnd(30)} ${String(samples.docker[key].length).padStart(4)} ${ms(samples.docker[key], 50)} ${ms(samples.docker[key], 95)}   ${ms(samples.kubernetes[key], 50)} ${ms(samples.kubernetes[key], 95)}`;
  console.log("\nDocker driver vs Kubernetes driver (real node), same run, ms");
  console.log(`${"".padEnd(30)} ${"n".padStart(4)} ${"docker p50".padStart(9)} ${"p95".padStart(9)}   ${"k8s p50".padStart(9)} ${"p95".padStart(9)}`);
  console.log(row("ready (ensure → ready)", "ready"));
  console.log(row("terminal echo (key → echo)", "echo"));
  console.log(row("check (container running)", "check"));
}
