import { test } from "node:test";
import assert from "node:assert/strict";
import type { Lesson, ServerMessage } from "@dockyard/contract/server";
import { BootQueue, type QueuePlace } from "../../lab-runner/src/labs/boot-queue";
import { LabManager } from "../../lab-runner/src/labs";
import type { Pty } from "../../lab-runner/src/terminal/session";
import { FakeDriver } from "../support/fake-driver";

// The line labs wait in for their turn to boot: first on its own with boots the test ends by hand and a clock
// it moves, then inside LabManager with the fake driver.

const flush = () => new Promise((r) => setImmediate(r));

/** A queue whose boots end when the test says; labs count for their learner from their start, as LabManager's do. */
function line(concurrency: number) {
  let clock = 0;
  const labs = new Map<string, string>(); // lab → learner: waiting, booting or running
  const ends = new Map<string, () => void>();
  const started: string[] = [];
  const places = new Map<string, QueuePlace[]>();
  let booting = 0;
  let mostBooting = 0;
  const queue: BootQueue = new BootQueue({
    concurrency,
    labsOf: (learner): number => [...labs].filter(([id, l]) => l === learner && !queue.waits(id)).length,
    now: () => clock,
    firstEstimateMs: 5000,
  });
  return {
    queue,
    started,
    get mostBooting() {
      return mostBooting;
    },
    /** The positions the lab was told, in order. */
    positions: (id: string) => places.get(id)!.map((p) => p.position),
    /** The places the lab was told, in order, as [position, of]. */
    places: (id: string) => places.get(id)!.map((p) => [p.position, p.of]),
    lastPlace: (id: string) => places.get(id)!.at(-1),
    start(id: string, learnerId: string, signal?: AbortSignal): Promise<void> {
      places.set(id, []);
      labs.set(id, learnerId);
      return queue.run(
        { id, learnerId },
        () => {
          started.push(id);
          mostBooting = Math.max(mostBooting, ++booting);
          return new Promise<void>((resolve) => ends.set(id, resolve));
        },
        (place) => places.get(id)!.push(place),
        signal,
      );
    },
    /** Ends the lab's boot `afterMs` after the clock's time now. */
    async finish(id: string, afterMs = 0) {
      clock += afterMs;
      booting--;
      ends.get(id)!();
      await flush();
    },
    advance: (ms: number) => (clock += ms),
  };
}

test("at most `concurrency` labs boot at once; the others wait in order of arrival and move up as boots finish", async () => {
  const q = line(2);
  const done = ["a", "b", "c", "d", "e"].map((learner) => q.start(`lab-${learner}`, learner));
  await flush();
  assert.deepEqual(q.started, ["lab-a", "lab-b"]);
  assert.deepEqual(q.positions("lab-a"), [], "a lab that boots at once is never told a place");
  assert.deepEqual(
    [q.lastPlace("lab-c"), q.lastPlace("lab-d"), q.lastPlace("lab-e")].map((p) => [p?.position, p?.of]),
    [
      [1, 3],
      [2, 3],
      [3, 3],
    ],
  );
  await q.finish("lab-a");
  assert.deepEqual(q.started, ["lab-a", "lab-b", "lab-c"]);
  assert.deepEqual(q.places("lab-d"), [
    [2, 2],
    [2, 3],
    [1, 2],
  ]);
  assert.deepEqual(q.places("lab-e"), [
    [3, 3],
    [2, 2],
  ]);
  for (const id of ["lab-b", "lab-c", "lab-d", "lab-e"]) await q.finish(id);
  await Promise.all(done);
  assert.equal(q.mostBooting, 2);
  assert.equal(q.queue.waits("lab-e"), false);
});

test("a learner's second lab waits behind everyone's first, even one that came later", async () => {
  const q = line(1);
  void q.start("ann-1", "ann");
  void q.start("ann-2", "ann"); // ann's second lab, while her first boots
  void q.start("bob-1", "bob");
  void q.start("cy-1", "cy");
  await flush();
  assert.deepEqual(q.positions("ann-2"), [1, 2, 3], "moved back as each first lab arrived");
  assert.deepEqual(q.places("bob-1"), [
    [1, 2],
    [1, 3],
  ]);
  assert.deepEqual(q.places("cy-1"), [[2, 3]]);
  await q.finish("ann-1");
  await q.finish("bob-1");
  await q.finish("cy-1");
  assert.deepEqual(q.started, ["ann-1", "bob-1", "cy-1", "ann-2"]);

  const waiting = line(1);
  void waiting.start("dee-1", "dee"); // takes the only slot
  void waiting.start("ann-1", "ann");
  void waiting.start("ann-2", "ann"); // two of ann's labs in line, none running yet
  void waiting.start("bob-1", "bob");
  await flush();
  assert.deepEqual(
    ["ann-1", "bob-1", "ann-2"].map((id) => waiting.lastPlace(id)!.position),
    [1, 2, 3],
    "her first lab keeps its place, her second goes behind bob's first",
  );
});

test("the estimate is the median of recent boot durations × place / concurrency, first assumed", async () => {
  const q = line(2);
  for (const id of ["a", "b", "c", "d", "e"]) void q.start(id, id);
  await flush();
  assert.deepEqual(
    ["c", "d", "e"].map((id) => q.lastPlace(id)!.estimateSeconds),
    [3, 5, 8],
    "5 s assumed before any boot finished: 5 × 1/2, 5 × 2/2, 5 × 3/2, rounded up",
  );
  await q.finish("a", 4000); // boots took 4 s, then 8 s after c started at 4 s, ...
  await q.finish("b", 4000);
  assert.deepEqual(q.lastPlace("e")!, { position: 1, of: 1, estimateSeconds: 3 }, "median of 4 s and 8 s is 6 s: 6 × 1/2");
  q.advance(20_000);
  await q.finish("c");
  assert.deepEqual(q.started, ["a", "b", "c", "d", "e"]);
  void q.start("f", "f");
  await flush();
  assert.deepEqual(q.lastPlace("f")!, { position: 1, of: 1, estimateSeconds: 4 }, "median of 4, 8 and 24 s is 8 s: 8 × 1/2");
});

test("a waiter whose signal aborts leaves the line, never boots, and those behind it move up", async () => {
  const q = line(1);
  void q.start("a", "a");
  const left = new AbortController();
  const b = q.start("b", "b", left.signal);
  void q.start("c", "c");
  await flush();
  assert.deepEqual(q.positions("c"), [2]);
  left.abort(new Error("gone"));
  await assert.rejects(b, /gone/);
  assert.equal(q.queue.waits("b"), false);
  assert.deepEqual(q.positions("c"), [2, 1]);
  await q.finish("a");
  assert.deepEqual(q.started, ["a", "c"]);
  const late = new AbortController();
  late.abort(new Error("gone before"));
  await assert.rejects(q.start("d", "d", late.signal), /gone before/);
  assert.equal(q.queue.waits("d"), false);
});

test("a boot that fails frees its slot", async () => {
  const queue = new BootQueue({ concurrency: 1, labsOf: () => 0 });
  const failing = queue.run(
    { id: "a", learnerId: "a" },
    () => Promise.reject(new Error("boom")),
    () => {},
  );
  const told: number[] = [];
  const next = queue.run(
    { id: "b", learnerId: "b" },
    async () => "booted",
    (p) => told.push(p.position),
  );
  await assert.rejects(failing, /boom/);
  assert.equal(await next, "booted");
  assert.deepEqual(told, [1]);
});

// Inside LabManager: the place reaches whoever watches the lab, a reload keeps it, leaving gives it up.

const lesson = { slug: "first", images: [], nodes: 1, steps: [{ id: "s1", title: "S", checks: [], commands: [] }] } as unknown as Lesson;

function labs(options: { queueGraceMs?: number } = {}) {
  const driver = new FakeDriver();
  let engineUp!: () => void;
  driver.engineStarting = new Promise((r) => (engineUp = r)); // every boot waits until the test lets the engines up
  const manager = new LabManager(driver, {
    idleTimeoutMs: 60_000,
    findLesson: (slug) => ({ ...lesson, slug }),
    spawnPty: () => ({}) as Pty,
    bootConcurrency: 1,
    queueGraceMs: options.queueGraceMs ?? 60_000,
  });
  return { driver, labs: manager, engineUp: () => engineUp() };
}

const queuedPositions = (messages: ServerMessage[]) => messages.flatMap((m) => (m.type === "queued" ? [m.position] : []));

test("watchers of a lab in line are told its place as it changes, then its stages; a reload keeps the place", async () => {
  const { labs: manager, engineUp, driver } = labs();
  const ann = await manager.ensure("ann", "first");
  const bob = await manager.ensure("bob", "first");
  const cy = await manager.ensure("cy", "first");
  const bobSeen: ServerMessage[] = [];
  const bobClosed = new AbortController();
  const bobWatch = manager.watch(bob, (m) => bobSeen.push(m), bobClosed.signal);
  const cySeen: ServerMessage[] = [];
  const cyReady = manager.watch(cy, (m) => cySeen.push(m));
  await flush();
  assert.deepEqual(queuedPositions(bobSeen), [1]);
  assert.deepEqual(queuedPositions(cySeen), [2]);
  assert.equal(driver.starts, 1, "only ann's lab boots");

  bobClosed.abort(new Error("page reloaded")); // bob reloads: his terminal closes and opens again
  await assert.rejects(bobWatch, /page reloaded/);
  assert.equal(await manager.ensure("bob", "first"), bob);
  const reloaded: ServerMessage[] = [];
  const bobReady = manager.watch(bob, (m) => reloaded.push(m));
  assert.deepEqual(reloaded, [{ type: "queued", position: 1, of: 2, estimateSeconds: 5 }], "replayed: only his latest place");

  engineUp();
  await manager.watch(ann, () => {});
  await bobReady;
  await cyReady;
  assert.deepEqual(queuedPositions(cySeen), [2, 1]);
  assert.deepEqual(
    cySeen.slice(-2).map((m) => m.type),
    ["stage", "ready"],
  );
  assert.equal(driver.starts, 3);
});

test("a lab in line that nobody waits for leaves the line after the grace period; a removed one at once", async () => {
  const { labs: manager, engineUp, driver } = labs({ queueGraceMs: 30 });
  const ann = await manager.ensure("ann", "first");
  const annBoot = manager.watch(ann, () => {});
  const bob = await manager.ensure("bob", "first"); // started, and its terminal never opened
  const cy = await manager.ensure("cy", "first");
  const cySeen: ServerMessage[] = [];
  const cyReady = manager.watch(cy, (m) => cySeen.push(m));
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(queuedPositions(cySeen), [2, 1], "bob's lab left the line: cy moved up");
  await assert.rejects(
    manager.watch(bob, () => {}),
    /not running/,
  );

  const dee = await manager.ensure("dee", "first");
  const deeWatch = manager.watch(dee, () => {});
  await manager.remove(dee); // “Stop lab” while in line
  await assert.rejects(deeWatch, /left the line/);

  engineUp();
  await annBoot;
  await cyReady;
  assert.equal(driver.starts, 2, "neither bob's nor dee's lab booted");
});
