import os from "node:os";
import { startTestCluster, type TestCluster } from "../support/test-cluster";
import { Course, type CourseShape, type LabStart } from "../support/course";
import { percentile } from "./stats";

// `npm run bench:cluster`'s simulation of a course (issue 17): a real API server, scheduler and controller-manager (the
// test cluster, in one 2-CPU sandbox) with kwok fake nodes, and the Kubernetes driver under LabManager starting labs
// as a course does: first a few labs one at a time (the same run's baseline), then waves of learners opening the
// lesson at the same minute. Per wave, from the boot stages LabManager tells: placement (the driver asks for the pod →
// its watch sees it placed on a node), pod asked → ready (kwok fakes Ready after its stages' waits, 1 s + up to 5 s
// each, so most of that is kwok's), the lab's start as the learner waits for it (asked → ready, admission included),
// and the API requests the driver made per lab start. Then nodes go NotReady with every lab watched: how long until
// the driver reports their labs lost and until their watchers are told, and the lost labs opened again. Everything
// it makes goes with the test cluster at the end (and on Ctrl-C).

export interface SimOptions extends CourseShape {
  /** Nodes taken out after the waves. */
  lost: number;
  /** Labs started one at a time before the course, as the baseline. */
  alone: number;
}

export const SIM_DEFAULTS: SimOptions = { nodes: 50, labsPerNode: 12, labs: 500, waves: 10, lost: 5, alone: 5 };

const progress = (what: string) => console.error(`[bench:cluster sim ${new Date().toISOString().slice(11, 19)}] ${what}`);
const ms = (samples: number[], p: number) => (samples.length ? `${percentile(samples, p).toFixed(0)}`.padStart(6) : "     -");
const pair = (samples: number[]) => `${ms(samples, 50)} ${ms(samples, 95)}`;
const placed = (starts: LabStart[]) => starts.flatMap((s) => (s.placed === undefined || s.podAsked === undefined ? [] : [s.placed - s.podAsked]));
const podToReady = (starts: LabStart[]) => starts.flatMap((s) => (s.podAsked === undefined ? [] : [s.ready - s.podAsked]));

const HEADER = `   ms (p50 p95)            placement     pod→ready     ask→ready  API calls/lab start`;
function row(what: string, starts: LabStart[], calls: number): void {
  const figures = [placed(starts), podToReady(starts), starts.map((s) => s.ready)].map(pair).join("  ");
  console.log(`   ${what.padEnd(20)} ${figures}  ${(calls / starts.length).toFixed(1).padStart(8)}`);
}

export async function clusterSim(options: SimOptions = SIM_DEFAULTS): Promise<void> {
  const { nodes, labsPerNode, labs, waves, lost, alone } = options;
  console.log(`\n== Course simulation: ${labs} labs in ${waves} waves on ${nodes} kwok nodes (room for ${labsPerNode} labs each), then ${lost} nodes NotReady`);
  console.log(`   host: ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)} at the start; the control plane runs in one sandbox of 2 CPUs`);
  let cluster: TestCluster | undefined;
  let course: Course | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      progress("removing the course and the test cluster");
      await course?.close().catch((e) => progress(`could not remove the course: ${(e as Error).message}`));
      await cluster?.remove();
    })());
  const onSignal = () => void cleanUp().finally(() => process.exit(130));
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    progress("booting the test cluster");
    cluster = await startTestCluster({ fakeNodes: 1, log: progress });
    progress(`making ${nodes} course nodes`);
    course = await Course.open(cluster, { nodes, labsPerNode, labs, waves });

    // the baseline: labs one at a time (learners past the course's), removed again before the course
    const baseline = [];
    for (let i = 0; i < alone; i++) baseline.push(await course.wave(labs + i, labs + i + 1));
    const removeCalls = course.driver.clients.calls;
    for (const id of baseline.flatMap((w) => w.ids)) {
      await course.labs.remove(id);
      course.learners.delete(id);
    }
    const perRemoval = (course.driver.clients.calls - removeCalls) / alone;
    console.log(`\n${HEADER}`);
    row(
      `${alone} alone, in turn`,
      baseline.flatMap((w) => w.starts),
      baseline.reduce((sum, w) => sum + w.apiCalls, 0),
    );

    const perWave = Math.ceil(labs / waves);
    const all: LabStart[] = [];
    let allCalls = 0;
    const started = performance.now();
    for (let w = 0; w < waves; w++) {
      progress(`wave ${w + 1} of ${waves}`);
      const wave = await course.wave(w * perWave, Math.min(labs, (w + 1) * perWave));
      row(`wave ${w + 1} (${wave.ids.length})`, wave.starts, wave.apiCalls);
      all.push(...wave.starts);
      allCalls += wave.apiCalls;
    }
    row(`all ${all.length}`, all, allCalls);
    console.log(`   ${all.length} labs ready ${((performance.now() - started) / 1000).toFixed(0)} s after the first wave started`);
    const loads = await course.loads();
    const counts = loads.map((l) => l.pods);
    console.log(
      `   labs per node: ${Math.min(...counts)}–${Math.max(...counts)} (room ${labsPerNode}); nodes over their room: ${loads.filter((l) => l.pods > l.room.pods).length}`,
    );
    const memory = await cluster.driver.memoryUsage(cluster.sandboxId, "node1");
    if (memory)
      console.log(`   the control plane's sandbox (etcd, API server, scheduler, controller-manager, kwok) uses ${Math.round(memory / 1024 ** 2)} MiB`);

    const where = await course.placement();
    const gone = course.nodes.names.slice(0, lost);
    const losing = all.map((s) => s.id).filter((id) => gone.includes(where.get(id)!));
    progress(`${lost} nodes NotReady (${losing.length} labs on them)`);
    const { reportedMs, toldMs } = await course.loseNodes(gone, losing);
    const told = new Set(course.toldLost());
    const toldLosing = losing.filter((id) => told.has(id)).length;
    console.log(
      `\n   ${lost} nodes NotReady, ${losing.length} labs on them: reported lost by the driver after ${(reportedMs / 1000).toFixed(1)} s, ` +
        `their watchers told after ${(toldMs / 1000).toFixed(1)} s (the round looks every 5 s); told: ${toldLosing}, others told: ${told.size - toldLosing}`,
    );
    const reopenCalls = course.driver.clients.calls;
    const reopened = await course.reopen(losing);
    const reopenedCalls = course.driver.clients.calls - reopenCalls;
    const now = await course.placement();
    const readyNodes = new Set((await course.loads()).filter((l) => l.ready).map((l) => l.node));
    console.log(HEADER);
    row(`opened again (${losing.length})`, reopened, reopenedCalls);
    console.log(`   opened again on Ready nodes: ${losing.filter((id) => readyNodes.has(now.get(id)!)).length} of ${losing.length}`);

    const removing = performance.now();
    const calls = course.driver.clients.calls;
    await course.removeLabs();
    console.log(
      `\n   removing ${all.length} labs (20 at a time): ${((performance.now() - removing) / 1000).toFixed(0)} s, ` +
        `${((course.driver.clients.calls - calls) / all.length).toFixed(1)} API calls per lab (alone: ${perRemoval.toFixed(1)}); left in the namespace: ${await course.leftovers()} objects`,
    );
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    await cleanUp();
  }
}
