import { performance } from "node:perf_hooks";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { percentile } from "./stats";

// `npm run bench:oom`: how long a memory bomb in an inner container lives before the OOM killer ends it, and how
// the node's shell (a command run in the node, as the terminal's are) and its inner engine answer meanwhile.
// Beside it, the same bomb placed where inner containers were before they had a cgroup of their own
// (docker run --cgroup-parent=/docker: bounded by the node's limit only), in the same lab, so the ratio is honest.

const RUNS = Number(process.env.BENCH_OOM_RUNS ?? 8);
const RUNS_AT_NODE_LIMIT = Number(process.env.BENCH_OOM_NODE_LIMIT_RUNS ?? 3); // each takes seconds to minutes
const BOMB = "head -c 4000m /dev/zero | tail > /dev/null";

const driver = new DockerSandboxDriver();

interface Samples {
  killedAfter: number[];
  echo: number[];
  enginePing: number[];
}

/** Runs the bomb in an inner container; meanwhile the shell and the inner engine are asked, one answer at a time. */
async function bombOnce(id: string, cgroupParent: string, into: Samples): Promise<void> {
  let running = true;
  const probe = async (samples: number[], ask: () => Promise<unknown>) => {
    while (running) {
      const t0 = performance.now();
      await ask();
      if (running) samples.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100)); // asked ten times a second, not hammered: the bomb needs the CPU
    }
  };
  const probes = [probe(into.echo, () => driver.exec(id, ["echo", "ok"], { timeoutMs: 600_000 })), probe(into.enginePing, () => driver.innerDocker(id).ping())];
  const run = `docker run --rm ${cgroupParent} busybox time -p sh -c '${BOMB}' 2>&1; echo exit=$?`;
  const result = await driver.exec(id, ["bash", "-c", run], { timeoutMs: 600_000 }).finally(() => (running = false));
  await Promise.all(probes);
  const real = Number(result.output.match(/^real ([\d.]+)$/m)?.[1]);
  if (!/exit=137/.test(result.output) || Number.isNaN(real)) throw new Error(`the bomb was not OOM-killed: ${result.output}`);
  into.killedAfter.push(real * 1000);
}

async function bench(id: string, runs: number, cgroupParent: string): Promise<Samples> {
  const samples: Samples = { killedAfter: [], echo: [], enginePing: [] };
  for (let i = 0; i < runs; i++) await bombOnce(id, cgroupParent, samples);
  return samples;
}

const line = (name: string, samples: number[]) => {
  const f = (ms: number) => `${ms.toFixed(0)} ms`.padStart(9);
  const max = samples.reduce((a, b) => Math.max(a, b), 0);
  console.log(
    `${name.padEnd(58)} n=${String(samples.length).padStart(4)}  p50 ${f(percentile(samples, 50))}  p95 ${f(percentile(samples, 95))}  max ${f(max)}`,
  );
};

async function main() {
  const sandbox = await driver.start({ learnerId: `bench-oom-${process.pid}`, lessonSlug: "oom", images: ["busybox"] });
  try {
    const { containersMemoryBytes, memoryBytes } = driver.limits;
    const before = await driver.limitHits(sandbox.id);
    const own = await bench(sandbox.id, RUNS, "");
    const hits = await driver.limitHits(sandbox.id);
    if (hits.containersMemory - before.containersMemory !== RUNS)
      throw new Error(`the containers' limit counted ${hits.containersMemory - before.containersMemory} kills of ${RUNS}`);
    const nodeOnly = await bench(sandbox.id, RUNS_AT_NODE_LIMIT, "--cgroup-parent=/docker");
    const mib = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MiB`;
    console.log(`# a memory bomb in an inner container (\`${BOMB}\`): from its start until the OOM killer ended it`);
    line(`killed after: at the containers' limit (${mib(containersMemoryBytes)})`, own.killedAfter);
    line(`killed after: at the node's limit only (${mib(memoryBytes)}, as before)`, nodeOnly.killedAfter);
    line("shell echo during the bomb: containers' limit", own.echo);
    line("shell echo during the bomb: node's limit only", nodeOnly.echo);
    line("inner engine ping during the bomb: containers' limit", own.enginePing);
    line("inner engine ping during the bomb: node's limit only", nodeOnly.enginePing);
  } finally {
    await driver.remove(sandbox.id);
  }
}

await main();
