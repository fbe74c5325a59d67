import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "../support/test-cluster";
import { Course, type CourseShape } from "../support/course";

// A course on a real API server with kwok fake nodes (tests/support/course.ts): labs started in waves through
// LabManager and the Kubernetes driver are all placed and Ready with no node over its room; then nodes go NotReady
// with every lab's live view open, and exactly the labs on them are reported lost by the driver and their watchers
// told (lab_lost), the others not; opened again, those labs land on Ready nodes; removing every lab leaves nothing.
// The pods are fake (kwok): nothing runs in them, so this judges placement, state and telling, not the data path
// (tests/integration/kubernetes-pod.test.ts runs real pods). No timings here: `npm run bench:cluster` gives them.
//
// Smaller than the benchmark's course (50 nodes, 500 labs in 10 waves) so that it takes a few minutes on this
// 2-core host: 20 nodes, 200 labs in 4 waves of 50, 2 nodes lost. Nodes have room for 12 labs, as the benchmark's:
// 200 labs fill 20 nodes to ~10, and the 18 left hold them all (216 places). Run under the shared lock.

const SHAPE: CourseShape = { nodes: 20, labsPerNode: 12, labs: 200, waves: 4 };
const LOST_NODES = 2;

let cluster: TestCluster | undefined;
let course: Course | undefined;
const started: string[] = [];
let lost: string[] = [];

before(async () => {
  cluster = await startTestCluster({ fakeNodes: 1, log: (line) => console.log(line) });
  course = await Course.open(cluster, SHAPE);
});

after(async () => {
  try {
    await course?.removeLabs();
    await course?.close();
  } finally {
    await cluster?.remove();
  }
});

test(`${SHAPE.labs} labs in ${SHAPE.waves} waves are all placed and Ready, and no node holds more than its room`, async () => {
  const perWave = SHAPE.labs / SHAPE.waves;
  for (let w = 0; w < SHAPE.waves; w++) {
    const wave = await course!.wave(w * perWave, (w + 1) * perWave);
    assert.equal(new Set(wave.ids).size, perWave, `wave ${w + 1}: one lab per learner`);
    started.push(...wave.ids);
  }
  const labs = await course!.driver.list();
  assert.equal(labs.filter((s) => s.running && !s.lost).length, SHAPE.labs, "every lab runs");
  const placed = await course!.placement();
  assert.deepEqual([...placed.keys()].sort(), [...started].sort(), "every lab has its pod");
  const loads = await course!.loads();
  for (const load of loads) {
    assert.ok(load.pods <= load.room.pods, `${load.node}: ${load.pods} pods, room for ${load.room.pods}`);
    assert.ok(load.cpuMillis <= load.room.cpuMillis, `${load.node}: ${load.cpuMillis}m CPU asked of ${load.room.cpuMillis}m`);
    assert.ok(load.memoryBytes <= load.room.memoryBytes, `${load.node}: ${load.memoryBytes} bytes asked of ${load.room.memoryBytes}`);
  }
  assert.equal(
    loads.reduce((sum, l) => sum + l.pods, 0),
    SHAPE.labs,
    "every pod is on a course node",
  );
});

test(`${LOST_NODES} nodes NotReady: exactly their labs are reported lost and their watchers told; opened again, they land on Ready nodes`, async () => {
  const placed = await course!.placement();
  const gone = course!.nodes.names.slice(0, LOST_NODES);
  lost = started.filter((id) => gone.includes(placed.get(id)!));
  assert.ok(lost.length > 0, "the nodes taken out held labs");

  await course!.loseNodes(gone, lost);
  const reported = (await course!.driver.list()).filter((s) => s.lost);
  assert.deepEqual(reported.map((s) => s.id).sort(), [...lost].sort(), "the driver reports exactly the labs on those nodes lost");
  for (const sandbox of reported) assert.match(sandbox.lost!, /stopped answering/);
  assert.deepEqual(course!.toldLost().sort(), [...lost].sort(), "exactly their watchers were told, and disconnected");

  await course!.reopen(lost);
  const now = await course!.placement();
  const ready = new Set((await course!.loads()).filter((l) => l.ready).map((l) => l.node));
  for (const id of lost) assert.ok(ready.has(now.get(id)!), `${id} is on ${now.get(id)}, which is Ready`);
  const labs = await course!.driver.list();
  assert.equal(labs.filter((s) => s.running && !s.lost).length, SHAPE.labs, "every lab runs again");
  for (const load of await course!.loads()) assert.ok(load.pods <= load.room.pods, `${load.node}: ${load.pods} pods, room for ${load.room.pods}`);
});

test("removing every lab through LabManager leaves none of their objects", async () => {
  await course!.removeLabs();
  assert.deepEqual(await course!.driver.list(), []);
  assert.equal(await course!.leftovers(), 0, "no Service, pod or NetworkPolicy left in the namespace");
});
