import { test } from "node:test";
import assert from "node:assert/strict";
import { LabManager } from "../../lab-runner/src/labs";
import { FakeDriver } from "../support/fake-driver";
import { type Lesson, type Refusal, type ServerMessage, checkSchema } from "@dockyard/contract/server";
import { DriverError } from "../../lab-runner/src/sandbox/driver";
import type { Pty } from "../../lab-runner/src/terminal/session";

const lesson = { slug: "first", images: [], nodes: 1, steps: [{ id: "s1", title: "S", checks: [], commands: [] }] } as unknown as Lesson;
const swarm = {
  slug: "swarm",
  images: [],
  nodes: 3,
  steps: [{ id: "join", title: "J", checks: [checkSchema.parse({ kind: "file", path: "/etc/motd", contains: "swarm ready", node: "node2" })], commands: [] }],
} as unknown as Lesson;

function setup(quotas: { maxLabsPerLearner?: number; maxLabs?: number } = {}) {
  const driver = new FakeDriver();
  const spawned: string[] = [];
  let now = 0;
  const fakePty = { onData() {}, onExit() {}, write() {}, resize() {}, pause() {}, resume() {}, kill() {} } as Pty;
  const labs = new LabManager(driver, {
    idleTimeoutMs: 1000,
    findLesson: (slug) => [lesson, swarm].find((l) => l.slug === slug) ?? (slug.startsWith("extra-") ? { ...lesson, slug } : undefined),
    ...quotas,
    spawnPty: (command) => {
      spawned.push(command.args[0]!);
      return fakePty;
    },
    now: () => now,
  });
  return { driver, labs, spawned, advance: (ms: number) => (now += ms) };
}

test("concurrent requests for one learner's lab share a single boot whose stages replay to late watchers", async () => {
  const { driver, labs } = setup();
  const [a, b] = await Promise.all([labs.ensure("ann", "first"), labs.ensure("ann", "first")]);
  assert.equal(a, b);
  const seen: ServerMessage[] = [];
  await labs.watch(a, (m) => seen.push(m));
  assert.equal(driver.starts, 1);
  assert.deepEqual(seen, [{ type: "stage", stage: "network", detail: undefined }, { type: "ready" }]);
  assert.notEqual(await labs.ensure("bob", "first"), a, "another learner gets another sandbox");
});

test("unknown lessons are refused; a failed boot is reported and the next attempt starts afresh", async () => {
  const { driver, labs } = setup();
  await assert.rejects(labs.ensure("ann", "nope"), /no lesson “nope”/);
  driver.failNext = true;
  const id = await labs.ensure("ann", "first");
  const seen: ServerMessage[] = [];
  await assert.rejects(
    labs.watch(id, (m) => seen.push(m)),
    /engine down/,
  );
  assert.equal(seen.at(-1)!.type, "error");
  await labs.ensure("ann", "first");
  await labs.watch(id, () => {});
  assert.equal(driver.starts, 2);
});

test("a cluster without room for the lab is told to the learner as Dockyard at capacity, with the driver's reason", async () => {
  const { driver, labs } = setup();
  driver.failNext = true;
  driver.failWith = new DriverError("capacity", "0/3 nodes are available: 3 Insufficient memory.");
  const id = await labs.ensure("ann", "first");
  const seen: ServerMessage[] = [];
  await assert.rejects(
    labs.watch(id, (m) => seen.push(m)),
    (e: Refusal) => e.code === "at_capacity" && /Insufficient memory/.test(e.message),
  );
  assert.deepEqual(seen.at(-1), {
    type: "error",
    code: "at_capacity",
    message: "The sandbox could not start: 0/3 nodes are available: 3 Insufficient memory.",
  });
});

test("idle sandboxes are suspended after the timeout, but never while a terminal is attached", async () => {
  const { driver, labs, advance } = setup();
  const id = await labs.ensure("ann", "first");
  await labs.watch(id, () => {});
  const detach = labs.session(id).attach({ output() {}, control() {} });
  advance(5000);
  assert.deepEqual(await labs.reap(), []);
  detach();
  advance(999);
  assert.deepEqual(await labs.reap(), [], "not idle for the full timeout since the last activity yet");
  advance(5000);
  assert.deepEqual(await labs.reap(), [id]);
  assert.deepEqual([driver.sandboxes.size, driver.sandboxes.get(id)?.running, Boolean(driver.sandboxes.get(id)?.suspendedAt)], [1, false, true]);
});

test("a restarted lab-runner adopts running sandboxes, and a sandbox that vanished is booted again", async () => {
  const { driver, labs } = setup();
  const id = await labs.ensure("ann", "first");
  await labs.watch(id, () => {});
  const fresh = new LabManager(driver, { idleTimeoutMs: 1000, findLesson: () => lesson, spawnPty: () => ({}) as Pty });
  assert.equal(await fresh.adopt(), 1);
  const seen: ServerMessage[] = [];
  await fresh.watch(id, (m) => seen.push(m));
  assert.deepEqual(seen, [{ type: "ready" }]);
  driver.sandboxes.clear();
  await fresh.ensure("ann", "first");
  await fresh.watch(id, () => {});
  assert.equal(driver.starts, 2);
});

test("a check while the sandbox is still booting is refused with a clear message", async () => {
  const { driver, labs } = setup();
  let engineUp!: () => void;
  driver.engineStarting = new Promise((r) => (engineUp = r));
  const id = await labs.ensure("alice", "first");
  await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(labs.check(id, "first", "s1"), /still starting; check again once the terminal is connected/);
  engineUp();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal((await labs.check(id, "first", "s1")).passed, true);
});

test("a lab of several nodes: a shell per node, the step written on every node, checks judged on the node they name", async () => {
  const { driver, labs, spawned, advance } = setup();
  const id = await labs.ensure("ann", "swarm");
  await labs.watch(id, () => {});
  assert.equal(labs.nodeOf("swarm", null), "node1");
  assert.equal(labs.nodeOf("swarm", "node3"), "node3");
  assert.throws(() => labs.nodeOf("swarm", "node9"), /no node “node9”; its nodes are node1, node2, node3/);
  assert.throws(() => labs.nodeOf("first", "node2"), /no node “node2”/);

  const second = labs.session(id, "node2");
  assert.notEqual(second, labs.session(id), "node1 has a shell of its own");
  assert.equal(second, labs.session(id, "node2"));
  const detach = second.attach({ output() {}, control() {} });
  assert.deepEqual(spawned, ["node2"]);
  advance(5000);
  assert.deepEqual(await labs.reap(), [], "a terminal attached to any node keeps the lab");
  detach();

  driver.execs = [];
  await labs.setStep(id, "join");
  assert.deepEqual(driver.execs.map((e) => e.node).sort(), ["node1", "node2", "node3"]);
  driver.execs = [];
  const result = await labs.check(id, "swarm", "join");
  assert.equal(result.passed, true, result.message);
  assert.ok(
    driver.execs.some((e) => e.node === "node2" && e.cmd.includes("/etc/motd")),
    "the file was looked for on node2",
  );
  assert.ok(!driver.execs.some((e) => e.node !== "node2" && e.cmd.includes("/etc/motd")));
  advance(5000);
  assert.deepEqual(await labs.reap(), [id]);
});

test("a sandbox still booting is never reaped, and its idle time starts when it is ready", async () => {
  const { driver, labs, advance } = setup();
  let engineUp!: () => void;
  driver.engineStarting = new Promise((r) => (engineUp = r));
  const id = await labs.ensure("alice", "first");
  await new Promise((r) => setTimeout(r, 20));
  advance(5000);
  assert.deepEqual(await labs.reap(), [], "booting for longer than the idle timeout");
  engineUp();
  await new Promise((r) => setTimeout(r, 5));
  advance(999);
  assert.deepEqual(await labs.reap(), [], "ready less than the idle timeout ago");
  advance(1);
  assert.deepEqual(await labs.reap(), [id]);
});

test("a learner runs at most their quota of labs, the host at most its capacity; the refusals say which and what to do", async () => {
  const { labs, driver } = setup({ maxLabsPerLearner: 2, maxLabs: 3 });
  const slugs = ["extra-1", "extra-2", "extra-3"];
  const results = await Promise.allSettled(slugs.map((slug) => labs.ensure("ann", slug)));
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 2, "concurrent starts cannot overrun the quota together");
  const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
  assert.equal(refused.reason.code, "lab_quota");
  assert.match(refused.reason.message, /already have 2 labs running \(“.*”, “.*”\).*Stop one with “Stop lab”/);
  const startedSlug = slugs[results.findIndex((r) => r.status === "fulfilled")]!;
  const started = [await labs.ensure("ann", startedSlug)];
  await labs.watch(started[0]!, () => {});
  assert.equal(driver.starts, 2, "a lab already running is no new lab");

  await labs.ensure("bob", "extra-1");
  await assert.rejects(
    labs.ensure("cy", "extra-1"),
    (e: Error & { code?: string }) => e.code === "at_capacity" && /as many labs as it can \(3\)/.test(e.message),
  );
  await labs.remove(started[0]!);
  await labs.ensure("cy", "extra-1");
  await assert.rejects(labs.ensure("ann", "extra-3"), /as many labs/, "full again");
});

test("a limit the lab runs into is told to everyone at that terminal, naming the limit and what to do, at most every 30 s", async () => {
  const { labs, driver, advance } = setup();
  const id = await labs.ensure("ann", "first");
  await labs.watch(id, () => {});
  driver.hits.set(`${id}/node1`, { memory: 2, containersMemory: 0, processes: 0, diskFull: false }); // before this shell: not news
  const told: ServerMessage[] = [];
  labs.session(id).attach({ output() {}, control: (m) => told.push(m) });
  await labs.tellLimits();
  assert.deepEqual(
    told.filter((m) => m.type === "limit"),
    [],
  );

  driver.hits.set(`${id}/node1`, { memory: 3, containersMemory: 0, processes: 1, diskFull: true });
  await labs.tellLimits();
  await labs.tellLimits();
  driver.hits.set(`${id}/node1`, { memory: 3, containersMemory: 0, processes: 9, diskFull: false });
  await labs.tellLimits(); // the fork bomb goes on: not told again so soon
  advance(30_000);
  driver.hits.set(`${id}/node1`, { memory: 3, containersMemory: 0, processes: 9, diskFull: true });
  await labs.tellLimits();
  const limits = told.filter((m): m is Extract<ServerMessage, { type: "limit" }> => m.type === "limit");
  assert.deepEqual(
    limits.map((m) => m.limit),
    ["memory", "processes", "disk", "disk"],
    "the disk is told when it becomes full, again after it was freed",
  );
  advance(30_000);
  driver.hits.set(`${id}/node1`, { memory: 3, containersMemory: 0, processes: 10, diskFull: true });
  await labs.tellLimits();
  assert.equal(
    told.filter((m) => m.type === "limit").at(-1)!.type === "limit" && (told.at(-1) as { limit: string }).limit,
    "processes",
    "told again once the 30 s passed",
  );
  assert.match(limits[0]!.message, /memory limit \(1 GiB\).*docker stats/);
  assert.match(limits[1]!.message, /limit of 512 processes.*Ctrl-C/);
  assert.match(limits[2]!.message, /disk is full \(10 GiB .*\).*docker system prune/);
});

test("a kill at the containers' own memory limit is told as that limit, not the lab's", async () => {
  const { labs, driver } = setup();
  const id = await labs.ensure("ann", "first");
  await labs.watch(id, () => {});
  const told: ServerMessage[] = [];
  labs.session(id).attach({ output() {}, control: (m) => told.push(m) });
  await labs.tellLimits();
  driver.hits.set(`${id}/node1`, { memory: 0, containersMemory: 1, processes: 0, diskFull: false });
  await labs.tellLimits();
  const limits = told.filter((m): m is Extract<ServerMessage, { type: "limit" }> => m.type === "limit");
  assert.deepEqual(
    limits.map((m) => m.limit),
    ["memory"],
  );
  assert.match(limits[0]!.message, /Your containers reached their memory limit \(864 MiB of the lab's 1 GiB;.*docker stats/);
});

test("everyone at a terminal is told when the engine stops answering and when it is back, once each", async () => {
  const { labs, driver } = setup();
  const id = await labs.ensure("ann", "first");
  await labs.watch(id, () => {});
  const told: ServerMessage[] = [];
  labs.session(id).attach({ output() {}, control: (m) => told.push(m) });
  assert.equal(await labs.watchEngine(), true);
  driver.engineUp = false;
  assert.equal(await labs.watchEngine(), false);
  await labs.watchEngine();
  driver.engineUp = true;
  await labs.watchEngine();
  const notices = told.filter((m): m is Extract<ServerMessage, { type: "notice" }> => m.type === "notice");
  assert.deepEqual(
    notices.map((m) => m.code),
    ["engine_down", "engine_back"],
  );
  assert.match(notices[0]!.message, /stopped answering.*keeps its files/);
});
