import { test } from "node:test";
import assert from "node:assert/strict";
import type { Lesson, ServerMessage } from "@dockyard/contract/server";
import { BootQueue, type QueuePlace } from "../../lab-runner/src/labs/boot-queue";
import { LabManager } from "../../lab-runner/src/labs";
import { poolSeed, type PoolPolicy } from "../../lab-runner/src/labs/pool";
import type { Pty } from "../../lab-runner/src/terminal/session";
import { FakeDriver } from "../support/fake-driver";

// The warm pool's policy (lab-runner/src/labs/pool.ts) with the fake driver's pool: new labs claim a pooled node,
// the pool refills in the background, no node is ever handed out twice, size 0 disables it, and refills wait in the
// boot queue behind every learner's lab.

const lessonOf = (slug: string, images: string[], nodes = 1) =>
  ({ slug, images, nodes, steps: [{ id: "s1", title: "S", checks: [], commands: [] }] }) as unknown as Lesson;
const LESSONS = [lessonOf("first", ["busybox", "hello-world"]), lessonOf("second", ["debian"]), lessonOf("swarm", ["busybox"], 3)];
const FIRST = imagesOf("first");

function imagesOf(slug: string): string[] {
  return LESSONS.find((l) => l.slug === slug)!.images;
}

function setup(pool: Partial<PoolPolicy> = {}, options: { bootConcurrency?: number } = {}) {
  const driver = new FakeDriver();
  const fakePty = { onData() {}, onExit() {}, write() {}, resize() {}, pause() {}, resume() {}, kill() {} } as Pty;
  const labs = new LabManager(driver, {
    idleTimeoutMs: 60_000,
    findLesson: (slug) => LESSONS.find((l) => l.slug === slug),
    spawnPty: () => fakePty,
    pool: { size: 2, imageSets: 1, seed: [FIRST], ...pool },
    ...options,
  });
  /** Starts the learner's lab of the lesson and waits until it is ready; the messages its terminal got. */
  const open = async (learner: string, slug: string) => {
    const id = await labs.ensure(learner, slug);
    const seen: ServerMessage[] = [];
    await labs.watch(id, (m) => seen.push(m));
    return { id, seen };
  };
  return { driver, labs, pool: driver.pool, open };
}

const pooled = async (labs: LabManager) => (await labs.poolStatus()).map((s) => [s.images.join(","), s.pooled, s.target]);

test("the pool fills for the first lesson; a new lab claims a node without a boot, and the pool refills in the background", async () => {
  const { driver, labs, pool, open } = setup();
  await labs.tendPool();
  assert.deepEqual(await pooled(labs), [["busybox,hello-world", 2, 2]]);

  const { id, seen } = await open("ann", "first");
  assert.equal(driver.starts, 0, "no boot");
  assert.deepEqual(pool.claims, [{ lab: id, node: "pooled-1" }]);
  assert.deepEqual(seen.at(-1), { type: "ready" });
  await labs.tendPool();
  assert.deepEqual(await pooled(labs), [["busybox,hello-world", 2, 2]], "refilled to its size");
  assert.equal(pool.fills, 3);
});

test("a pooled node is handed out once: a removed lab's node never returns, and the next lab gets a node never claimed", async () => {
  const { labs, pool, open } = setup({ size: 1 });
  await labs.tendPool();
  const ann = await open("ann", "first");
  await labs.remove(ann.id);
  await labs.tendPool();
  const bob = await open("bob", "first");
  await labs.tendPool();
  const again = await open("ann", "first");
  const nodes = pool.claims.map((c) => c.node);
  assert.deepEqual(
    pool.claims.map((c) => c.lab),
    [ann.id, bob.id, again.id],
  );
  assert.equal(new Set(nodes).size, 3, `every claim took another node: ${nodes}`);
  await labs.tendPool();
  assert.ok(
    [...pool.unclaimed.keys()].every((node) => !nodes.includes(node)),
    "no claimed node is in the pool",
  );
});

test("size 0 disables the pool: nothing is booted ahead and labs boot as before", async () => {
  const { driver, labs, pool, open } = setup({ size: 0 });
  await labs.tendPool();
  await open("ann", "first");
  assert.equal(pool.fills, 0);
  assert.equal(driver.starts, 1);
  assert.deepEqual(await labs.poolStatus(), []);
});

test("labs the pool does not serve boot; a suspended lab is resumed, not replaced by a pooled node", async () => {
  const { driver, labs, pool, open } = setup();
  await labs.tendPool();
  await open("ann", "swarm");
  assert.equal(driver.starts, 1, "a lab of several nodes boots");
  const first = await open("ann", "first");
  await labs.suspend(first.id);
  const resumed = await open("ann", "first");
  assert.equal(resumed.seen.filter((m) => m.type === "resumed").length, 1, "resumed");
  assert.equal(pool.claims.length, 1, "the pool was asked once, for the first open");
});

test("the image sets learners open most are kept: another lesson opened more takes the place of the first one's", async () => {
  const { labs, pool, open } = setup({ size: 1, imageSets: 1 });
  await labs.tendPool();
  await open("ann", "first");
  await open("bob", "second");
  await open("cid", "second");
  await labs.tendPool();
  assert.deepEqual(await pooled(labs), [["debian", 1, 1]]);
  assert.deepEqual([...pool.unclaimed.values()], ["debian"], "the first lesson's node was removed");
});

test("a refill waits in the boot queue behind a learner's lab and takes no learner's place", async () => {
  let end = () => {};
  const queue = new BootQueue({ concurrency: 1, labsOf: () => 0 });
  const order: string[] = [];
  const places: QueuePlace[] = [];
  const running = queue.run(
    { id: "a", learnerId: "ann" },
    () => new Promise<void>((r) => (end = r)),
    () => {},
  );
  const refill = queue.run(
    { id: "pool:busybox", learnerId: "", background: true },
    async () => order.push("refill"),
    () => assert.fail("told a place"),
  );
  const learner = queue.run(
    { id: "b", learnerId: "bob" },
    async () => order.push("bob"),
    (p) => places.push(p),
  );
  await new Promise((r) => setImmediate(r)); // the first boot runs
  assert.deepEqual(
    places.map((p) => [p.position, p.of]),
    [[1, 1]],
    "bob is first in line, of one",
  );
  end();
  await Promise.all([running, refill, learner]);
  assert.deepEqual(order, ["bob", "refill"]);
});

test("the pool keeps the named lessons' image sets from the start (a class's lesson), else the first lesson's it can serve", () => {
  assert.deepEqual(poolSeed(LESSONS, []), [imagesOf("first")]);
  assert.deepEqual(poolSeed(LESSONS, ["second"]), [imagesOf("second")]);
  assert.deepEqual(poolSeed([lessonOf("swarm", ["busybox"], 3), ...LESSONS], []), [imagesOf("first")], "a lab of several nodes is not pooled");
  assert.throws(() => poolSeed(LESSONS, ["nope"]), /DOCKYARD_POOL_LESSONS names “nope”, which is no lesson/);
  assert.throws(() => poolSeed(LESSONS, ["swarm"]), /several nodes, a registry or a cluster/);
});
