import { test } from "node:test";
import assert from "node:assert/strict";
import { LabManager } from "../../lab-runner/src/labs";
import type { EvictionPolicy } from "../../lab-runner/src/labs/eviction";
import { FakeDriver } from "../support/fake-driver";
import type { Lesson, ServerMessage } from "@dockyard/contract/server";
import type { Pty } from "../../lab-runner/src/terminal/session";

// Idle labs are suspended, not removed: opening the lesson again resumes them and says since when; a suspended
// lab does not count against the quotas; eviction removes suspended labs once too old, or oldest first while
// Dockyard's disk is over its high-water mark.

const lesson = (slug: string) => ({ slug, title: slug, images: [], nodes: 1, steps: [] }) as unknown as Lesson;
const DAY = 86_400_000;

function setup(options: { maxLabsPerLearner?: number; eviction?: EvictionPolicy } = {}) {
  const driver = new FakeDriver();
  let now = 0;
  driver.clock = () => new Date(now);
  const fakePty = { onData() {}, onExit() {}, write() {}, resize() {}, pause() {}, resume() {}, kill() {} } as Pty;
  const labs = new LabManager(driver, { idleTimeoutMs: 1000, findLesson: lesson, spawnPty: () => fakePty, now: () => now, ...options });
  const open = async (learner: string, slug = "first") => {
    const id = await labs.ensure(learner, slug);
    const seen: ServerMessage[] = [];
    await labs.watch(id, (m) => seen.push(m));
    return { id, seen };
  };
  return { driver, labs, open, advance: (ms: number) => (now += ms), now: () => now };
}

test("an idle lab is suspended, keeps what it held, and opening it again resumes it, saying since when", async () => {
  const { driver, labs, open, advance } = setup();
  const { id } = await open("ann");
  advance(999);
  assert.deepEqual(await labs.reap(), []);
  advance(1);
  assert.deepEqual(await labs.reap(), [id]);
  assert.equal(driver.sandboxes.get(id)?.suspendedAt?.getTime(), 1000);
  advance(60_000);
  assert.deepEqual(await labs.reap(), [], "a suspended lab is not culled again");

  const again = await open("ann");
  assert.equal(again.id, id);
  assert.deepEqual(again.seen.slice(-2), [{ type: "resumed", suspendedAt: new Date(1000).toISOString() }, { type: "ready" }]);
  assert.equal(driver.starts, 2);
  assert.deepEqual([driver.sandboxes.get(id)?.running, driver.sandboxes.get(id)?.suspendedAt], [true, undefined]);
});

test("a restarted lab-runner keeps suspended labs: it neither adopts nor culls them, and the next open resumes them", async () => {
  const { driver, labs, open, advance, now } = setup();
  const { id } = await open("ann");
  advance(1000);
  assert.deepEqual(await labs.reap(), [id]);
  const restarted = new LabManager(driver, { idleTimeoutMs: 1000, findLesson: lesson, spawnPty: () => ({}) as Pty, now });
  assert.equal(await restarted.adopt(), 0, "a suspended lab is not adopted as running");
  assert.deepEqual(await restarted.reap(), []);
  advance(60_000);
  assert.deepEqual(await restarted.reap(), [], "nor culled, however long it waits");
  assert.equal(driver.sandboxes.get(id)?.suspendedAt?.getTime(), 1000);

  const seen: ServerMessage[] = [];
  await restarted.watch(await restarted.ensure("ann", "first"), (m) => seen.push(m));
  assert.deepEqual(seen.slice(-2), [{ type: "resumed", suspendedAt: new Date(1000).toISOString() }, { type: "ready" }]);
});

test("a lab found dead (neither running nor suspended) is removed when idle", async () => {
  const { driver, labs, open, advance } = setup();
  const { id } = await open("ann");
  driver.sandboxes.set(id, { ...driver.sandboxes.get(id)!, running: false });
  advance(1000);
  assert.deepEqual(await labs.reap(), [id]);
  assert.equal(driver.sandboxes.size, 0);
});

test("a suspended lab does not count against the learner's quota", async () => {
  const { labs, open } = setup({ maxLabsPerLearner: 1 });
  const { id } = await open("ann", "first");
  await assert.rejects(labs.ensure("ann", "second"), (e: Error & { code?: string }) => e.code === "lab_quota");
  await labs.suspend(id);
  await open("ann", "second");
  await assert.rejects(labs.ensure("ann", "first"), (e: Error & { code?: string }) => e.code === "lab_quota", "resuming it is starting a lab");
});

test("eviction removes suspended labs once older than the policy keeps them, oldest first, and nothing else", async () => {
  const { driver, labs, open, advance } = setup({ eviction: { keepSuspendedMs: 7 * DAY, diskHighWaterPercent: 85 } });
  const old = await open("ann");
  const newer = await open("bob");
  const running = await open("cy");
  await labs.suspend(old.id);
  advance(DAY);
  await labs.suspend(newer.id);
  advance(6 * DAY - 1);
  assert.deepEqual(await labs.evict(), []);
  advance(1);
  assert.deepEqual(await labs.evict(), [old.id]);
  advance(DAY);
  assert.deepEqual(await labs.evict(), [newer.id]);
  assert.deepEqual([...driver.sandboxes.keys()], [running.id], "a running lab is never evicted");
});

test("over the disk's high-water mark, the oldest suspended labs are removed first until it is under", async () => {
  const { driver, labs, open, advance } = setup({ eviction: { keepSuspendedMs: 7 * DAY, diskHighWaterPercent: 85 } });
  const ids: string[] = [];
  for (const learner of ["dan", "ann", "cy", "bob"]) {
    const { id } = await open(learner);
    ids.push(id);
  }
  for (const id of [ids[2]!, ids[0]!, ids[3]!, ids[1]!]) {
    await labs.suspend(id); // suspended in this order, a minute apart
    advance(60_000);
  }
  const usedPerLab = 10;
  driver.storage = () => ({ usedBytes: 60 + usedPerLab * driver.sandboxes.size, limitBytes: 100 }); // 100% with four labs, 80% with two
  assert.deepEqual(await labs.evict(), [ids[2], ids[0]]);
  assert.deepEqual([...driver.sandboxes.keys()].sort(), [ids[1], ids[3]].sort());
  assert.deepEqual(await labs.evict(), [], "under the mark, the rest stay");
});
