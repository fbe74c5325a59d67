import { performance } from "node:perf_hooks";
import { Stack } from "../support/stack";
import { TerminalClient } from "../support/terminal-client";
import { labClient } from "../support/lab-client";
import { issueLabToken, sandboxIdFor } from "@dockyard/contract/server";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { percentile, report } from "./stats";
import { KubernetesBinaries } from "../../lab-runner/src/kubernetes/binaries";
import { bootCluster } from "../../lab-runner/src/kubernetes/cluster";

// `npm run bench`: timings of the real stack, printed as percentiles. Needs scripts/setup.sh to have run.

const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 8);
const POOL_CLAIMS = Number(process.env.BENCH_POOL_CLAIMS ?? 8);
const MULTI_NODE_STARTS = Number(process.env.BENCH_MULTI_NODE_STARTS ?? 5);
const KEYSTROKES = Number(process.env.BENCH_KEYSTROKES ?? 200);
const CHECKS = Number(process.env.BENCH_CHECKS ?? 40);
const RESUMES = Number(process.env.BENCH_RESUMES ?? 8);
const KUBERNETES_STARTS = Number(process.env.BENCH_KUBERNETES_STARTS ?? 5);
const LESSON = "first-container";

const stack = new Stack({ name: "bench", sitePort: 3130, runnerPort: 3131 });
const driver = new DockerSandboxDriver();

/** Cold starts until every node's inner docker works and the course images are loaded. */
async function coldStarts(runs: number, nodes = 1): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const spec = { learnerId: `bench-cold-${process.pid}-${nodes}-${i}`, lessonSlug: LESSON, images: ["busybox", "hello-world"], nodes };
    const t0 = performance.now();
    const sandbox = await driver.start(spec);
    samples.push(performance.now() - t0);
    await driver.remove(sandbox.id);
  }
  return samples;
}

/**
 * Kubernetes labs until their cluster is ready (every node Ready, pods can be made): the sandboxes' boot and the
 * cluster's, apart, with the same run's plain labs of as many nodes as the baseline (coldStarts).
 */
async function kubernetesStarts(runs: number, nodes: number): Promise<{ sandboxes: number[]; cluster: number[]; total: number[] }> {
  const binaries = await new KubernetesBinaries().directory();
  const samples = { sandboxes: [] as number[], cluster: [] as number[], total: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const spec = { learnerId: `bench-k8s-${process.pid}-${nodes}-${i}`, lessonSlug: LESSON, images: ["busybox"], nodes, kubernetes: { binaries } };
    const t0 = performance.now();
    const sandbox = await driver.start(spec);
    const t1 = performance.now();
    try {
      await bootCluster(driver, sandbox.id, sandbox.nodes, { fakeNodes: 0 }, () => {});
      const t2 = performance.now();
      samples.sandboxes.push(t1 - t0);
      samples.cluster.push(t2 - t1);
      samples.total.push(t2 - t0);
    } finally {
      await driver.remove(sandbox.id);
    }
  }
  return samples;
}

/** Labs of the same images claimed from the warm pool until ready; each pooled node is booted beforehand, untimed. */
async function poolClaims(runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const spec = { learnerId: `bench-pool-${process.pid}-${i}`, lessonSlug: LESSON, images: ["busybox", "hello-world"] };
    await driver.pool.fill(spec.images);
    const t0 = performance.now();
    const sandbox = await driver.pool.claim(spec);
    samples.push(performance.now() - t0);
    if (!sandbox) throw new Error("the pool had no node to claim");
    await driver.remove(sandbox.id);
  }
  return samples;
}

/**
 * As a learner meets it, through the lab-runner's terminal: a lab opened for the first time until ready (cold), then
 * stopped (suspended, everything kept), then opened again until ready (resumed). Each run is a lab of its own.
 */
async function coldAndResumed(runs: number): Promise<{ cold: number[]; suspend: number[]; resume: number[] }> {
  const samples = { cold: [] as number[], suspend: [] as number[], resume: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const lab = labClient(stack, `bench-resume-${process.pid}-${i}`, LESSON);
    try {
      let t0 = performance.now();
      const first = lab.terminal();
      await first.ready(120_000);
      samples.cold.push(performance.now() - t0);
      first.type("echo kept-$((20+1)) > /root/kept; echo written-$((1+1))\r");
      await first.waitForText("written-2");
      first.close();

      t0 = performance.now();
      const stopped = await lab.suspend();
      if (!stopped.ok) throw new Error(`suspend answered ${stopped.status}`);
      samples.suspend.push(performance.now() - t0);

      t0 = performance.now();
      const again = lab.terminal();
      await again.ready(120_000);
      samples.resume.push(performance.now() - t0);
      if (!again.messages.some((m) => m.type === "resumed")) throw new Error("the lab was booted afresh, not resumed");
      again.type("cat /root/kept\r");
      await again.waitForText("kept-21");
      again.close();
    } finally {
      await driver.remove(lab.sandbox);
    }
  }
  return samples;
}

async function withTerminal<T>(fn: (t: TerminalClient, check: (step: string) => Promise<void>) => Promise<T>): Promise<T> {
  const learner = `bench-${process.pid}`;
  const sandbox = sandboxIdFor(learner, LESSON);
  const secret = stack.secret;
  const token = issueLabToken(secret, { learner, sandbox, lesson: LESSON }, 3600);
  const t = new TerminalClient(`ws://127.0.0.1:3131/sandboxes/${sandbox}/terminal?token=${encodeURIComponent(token)}`);
  const check = async (step: string) => {
    const res = await fetch(`${stack.runnerUrl}/sandboxes/${sandbox}/checks/${step}`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`check answered ${res.status}`);
    await res.json();
  };
  try {
    await t.ready();
    return await fn(t, check);
  } finally {
    t.close();
    await driver.remove(sandbox);
  }
}

async function keystrokeEcho(t: TerminalClient): Promise<number[]> {
  t.type("cat > /dev/null\r"); // a program that echoes through the tty and prints nothing itself
  await new Promise((r) => setTimeout(r, 500));
  const samples: number[] = [];
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (let i = 0; i < KEYSTROKES; i++) {
    const key = letters[i % letters.length]!;
    t.clearText();
    const t0 = performance.now();
    t.type(key);
    await t.waitForText(key, 5000);
    samples.push(performance.now() - t0);
  }
  t.type("\x03");
  return samples;
}

/** The bound the echo of a learner's terminal keeps while a neighbour lab abuses its resources (p95, ms). */
const ECHO_UNDER_ABUSE_P95_MS = 100;

/**
 * A neighbour lab abusing its resources for `seconds`: CPU spinners in 4 inner containers, a fork bomb, memory
 * bombs over and over, and filling its disk, each stopped by the neighbour's own limits.
 */
async function abusiveNeighbour(seconds: number): Promise<string> {
  const sandbox = await driver.start({ learnerId: `bench-abuser-${process.pid}`, lessonSlug: LESSON, images: ["busybox"] });
  const script = `for i in 1 2 3 4; do docker run -d --rm busybox timeout ${seconds} sh -c 'while :; do :; done' >/dev/null; done
end=$(( $(date +%s) + ${seconds} ))
( bomb() { [ $(date +%s) -lt $end ] && { bomb & bomb; }; }; bomb ) >/dev/null 2>&1 &
( while [ $(date +%s) -lt $end ]; do head -c 4000m /dev/zero | tail; done ) >/dev/null 2>&1 &
( dd if=/dev/zero of=/root/fill bs=4M ) >/dev/null 2>&1 &`;
  const started = await driver.exec(sandbox.id, ["bash", "-c", script], { timeoutMs: 60_000 });
  if (started.exitCode !== 0) throw new Error(`the abuse did not start: ${started.output}`);
  return sandbox.id;
}

async function checkLatency(t: TerminalClient, check: (step: string) => Promise<void>) {
  t.type("docker run busybox echo hello world\r");
  await t.waitForText("hello world\r\n", 30_000);
  const container: number[] = [];
  const script: number[] = [];
  for (let i = 0; i < CHECKS; i++) {
    let t0 = performance.now();
    await check("hello-busybox");
    container.push(performance.now() - t0);
    t0 = performance.now();
    await check("clean-up");
    script.push(performance.now() - t0);
  }
  return { container, script };
}

await stack.reset();
await stack.startRunner();
try {
  console.log(`Dockyard benchmarks (${new Date().toISOString()}, ${process.platform}, node ${process.version})`);
  report("sandbox cold start until ready", await coldStarts(COLD_STARTS));
  report("sandbox ready from the pool (same images)", await poolClaims(POOL_CLAIMS));
  report("3-node lab ready", await coldStarts(MULTI_NODE_STARTS, 3));
  for (const nodes of [1, 2]) {
    report(`${nodes}-node lab ready (baseline for Kubernetes)`, await coldStarts(KUBERNETES_STARTS, nodes));
    const k8s = await kubernetesStarts(KUBERNETES_STARTS, nodes);
    report(`${nodes}-node Kubernetes lab: sandboxes ready`, k8s.sandboxes);
    report(`${nodes}-node Kubernetes lab: cluster ready after that`, k8s.cluster);
    report(`${nodes}-node Kubernetes lab: ready in all`, k8s.total);
  }
  const { cold, suspend, resume } = await coldAndResumed(RESUMES);
  report("lab opened cold until ready (terminal)", cold);
  report("Stop lab (suspend) until stopped", suspend);
  report("lab resumed: opened again until ready", resume);
  await withTerminal(async (t, check) => {
    report("keystroke echo round trip (WebSocket + pty)", await keystrokeEcho(t));
    const abuser = await abusiveNeighbour(60);
    try {
      await new Promise((r) => setTimeout(r, 3_000)); // the bombs at full strength
      const underAbuse = await keystrokeEcho(t);
      report("keystroke echo, a neighbour lab abusing", underAbuse);
      const p95 = percentile(underAbuse, 95);
      console.log(`  bound: p95 under ${ECHO_UNDER_ABUSE_P95_MS} ms: ${p95 < ECHO_UNDER_ABUSE_P95_MS ? "kept" : `BROKEN (${p95.toFixed(1)} ms)`}`);
      if (p95 >= ECHO_UNDER_ABUSE_P95_MS) process.exitCode = 1;
    } finally {
      await driver.remove(abuser);
    }
    const checks = await checkLatency(t, check);
    report("check latency: container from image, logs", checks.container);
    report("check latency: script in sandbox", checks.script);
  });
} finally {
  await stack.stop();
}
