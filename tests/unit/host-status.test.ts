import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { issueAdminToken, issueLabToken, type HostStatus, type Lesson } from "@dockyard/contract/server";
import { createServer } from "../../lab-runner/src/http/server";
import { LabManager } from "../../lab-runner/src/labs";
import { statusOf, type StatusFacts } from "../../lab-runner/src/labs/status";
import { parseCpuTimes, parseMeminfo } from "../../lab-runner/src/labs/host-load";
import type { Sandbox } from "../../lab-runner/src/sandbox/driver";
import type { Pty } from "../../lab-runner/src/terminal/session";
import { FakeDriver } from "../support/fake-driver";

// The admins' host status: the engine's labs, the boots and the line merged into one list, shaped (statusOf),
// the host's memory and CPU read from /proc's formats, and LabManager.status() on the fake driver.

const MiB = 1024 ** 2;
const sandbox = (id: string, fields: Partial<Sandbox>): Sandbox => ({
  id,
  learnerId: `learner-${id}`,
  lessonSlug: "first",
  createdAt: new Date("2026-12-06T09:00:00Z"),
  running: true,
  nodes: ["node1"],
  ...fields,
});

function facts(overrides: Partial<StatusFacts>): StatusFacts {
  return {
    now: Date.parse("2026-12-06T10:00:00Z"),
    engineAnswers: true,
    sandboxes: [],
    queued: [],
    booting: [],
    pooled: 0,
    connected: () => false,
    memory: new Map(),
    load: { memory: { totalBytes: 24 * 1024 * MiB, availableBytes: 20 * 1024 * MiB }, cpu: { cores: 2, load1: 0.5, busyPercent: 12.5 } },
    limits: { maxLabs: 30, maxLabsPerLearner: 3, bootConcurrency: 2, nodeMemoryBytes: 1024 * MiB, diskHighWaterPercent: 85 },
    ...overrides,
  };
}

test("statusOf lists the line in boot order, then booting, running, suspended and dead labs, each with since when", () => {
  const status = statusOf(
    facts({
      sandboxes: [
        sandbox("dead", { running: false }),
        sandbox("old", { running: false, suspendedAt: new Date("2026-12-05T12:00:00Z") }),
        sandbox("run", { nodes: ["node1", "node2"] }),
        // suspended, and waiting in line to be resumed: it is queued
        sandbox("back", { running: false, suspendedAt: new Date("2026-12-04T12:00:00Z") }),
      ],
      queued: [
        { id: "second", learnerId: "bo", lessonSlug: "first", since: Date.parse("2026-12-06T09:59:00Z"), place: { position: 1, of: 2, estimateSeconds: 3 } },
        { id: "back", learnerId: "cy", lessonSlug: "first", since: Date.parse("2026-12-06T09:58:00Z"), place: { position: 2, of: 2, estimateSeconds: 6 } },
      ],
      booting: [{ id: "boot", learnerId: "al", lessonSlug: "volumes", since: Date.parse("2026-12-06T09:59:30Z") }],
      memory: new Map([["run", 300 * MiB]]),
      connected: (id) => id === "run",
      pooled: 2,
      disk: { usedBytes: 40, limitBytes: 100 },
    }),
  );
  assert.deepEqual(
    status.labs.map((l) => [l.id, l.state]),
    [
      ["second", "queued"],
      ["back", "queued"],
      ["boot", "booting"],
      ["run", "running"],
      ["old", "suspended"],
      ["dead", "stopped"],
    ],
  );
  const [second, back, boot, run, old] = status.labs;
  assert.deepEqual(second!.place, { position: 1, of: 2, estimateSeconds: 3 });
  assert.equal(back!.nodes, 1, "the engine's record tells its nodes");
  assert.equal(back!.since, "2026-12-06T09:58:00.000Z", "since it joined the line");
  assert.deepEqual([boot!.learnerId, boot!.lessonSlug, boot!.since], ["al", "volumes", "2026-12-06T09:59:30.000Z"]);
  assert.deepEqual([run!.memoryBytes, run!.nodes, run!.connected, run!.since], [300 * MiB, 2, true, "2026-12-06T09:00:00.000Z"]);
  assert.equal(old!.since, "2026-12-05T12:00:00.000Z", "since it was suspended");
  assert.equal(old!.memoryBytes, undefined);
  assert.deepEqual(status.counts, { queued: 2, booting: 1, running: 1, suspended: 1, stopped: 1, pooled: 2 });
  assert.deepEqual(status.memory, { totalBytes: 24 * 1024 * MiB, availableBytes: 20 * 1024 * MiB, labsBytes: 300 * MiB });
  assert.deepEqual(status.disk, { usedBytes: 40, limitBytes: 100 });
  assert.deepEqual(status.engine, { answers: true });
  assert.equal(status.at, "2026-12-06T10:00:00.000Z");
});

test("statusOf of an engine that does not answer: no labs but those this lab-runner holds, and no disk", () => {
  const status = statusOf(facts({ engineAnswers: false, booting: [{ id: "b", learnerId: "al", lessonSlug: "first", since: 0 }] }));
  assert.deepEqual(status.engine, { answers: false });
  assert.deepEqual(
    status.labs.map((l) => l.state),
    ["booting"],
  );
  assert.equal(status.disk, undefined);
  assert.equal(JSON.parse(JSON.stringify(status)).limits.maxLabs, 30);
});

test("the host's memory and CPU are read from /proc's formats", () => {
  const meminfo = "MemTotal:       24590000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\nBuffers:          100 kB\n";
  assert.deepEqual(parseMeminfo(meminfo), { totalBytes: 24590000 * 1024, availableBytes: 20000000 * 1024 });
  // user nice system idle iowait irq softirq steal guest guest_nice
  const stat = "cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\n";
  assert.deepEqual(parseCpuTimes(stat), { busy: 160, total: 1000 });
});

const lesson = { slug: "first", title: "First", images: [], nodes: 1, steps: [] } as unknown as Lesson;
const swarm = { ...lesson, slug: "swarm", nodes: 3 } as Lesson;

test("LabManager.status: the lab booting, the one in line with its place, a suspended one, memory over every node, nothing pooled yet", async () => {
  const driver = new FakeDriver();
  const labs = new LabManager(driver, {
    idleTimeoutMs: 60_000,
    bootConcurrency: 1,
    maxLabs: 30,
    findLesson: (slug) => [lesson, swarm].find((l) => l.slug === slug),
    spawnPty: () => ({}) as Pty,
  });
  const swarmLab = await labs.ensure("ann", "swarm");
  await labs.watch(swarmLab, () => {});
  const parked = await labs.ensure("cat", "first");
  await labs.watch(parked, () => {});
  await labs.suspend(parked);

  let engineUp!: () => void;
  driver.engineStarting = new Promise((r) => (engineUp = r));
  const booting = await labs.ensure("bob", "first");
  const waiting = await labs.ensure("dan", "first");
  await new Promise((r) => setTimeout(r, 20));

  const status = await labs.status();
  const byId = new Map(status.labs.map((l) => [l.id, l]));
  assert.deepEqual(
    status.labs.map((l) => l.state),
    ["queued", "booting", "running", "suspended"],
  );
  assert.deepEqual(
    { ...byId.get(waiting), since: undefined },
    {
      id: waiting,
      learnerId: "dan",
      lessonSlug: "first",
      state: "queued",
      since: undefined,
      nodes: 0,
      connected: false,
      place: { position: 1, of: 1, estimateSeconds: 1 },
    },
  );
  assert.equal(byId.get(booting)!.state, "booting");
  assert.equal(byId.get(swarmLab)!.memoryBytes, 3 * 64 * MiB, "the memory of its three nodes");
  assert.equal(byId.get(parked)!.state, "suspended");
  assert.equal(status.counts.pooled, 0);
  assert.deepEqual(await labs.poolStatus(), []);
  assert.deepEqual(status.limits, { maxLabs: 30, maxLabsPerLearner: null, bootConcurrency: 1, nodeMemoryBytes: 1024 ** 3, diskHighWaterPercent: null });
  assert.ok(status.memory.totalBytes > 0 && status.cpu.cores > 0, "read from this host's /proc");

  engineUp();
  await labs.watch(booting, () => {});
  await labs.watch(waiting, () => {});
  assert.deepEqual(
    (await labs.status()).labs.map((l) => l.state),
    ["running", "running", "running", "suspended"],
  );
});

test("the admin routes take only an admin token, and suspend or remove any lab", async () => {
  const secret = "test-secret";
  const driver = new FakeDriver();
  const labs = new LabManager(driver, { idleTimeoutMs: 60_000, findLesson: () => lesson, spawnPty: () => ({}) as Pty });
  const [one, two] = await Promise.all([labs.ensure("ann", "first"), labs.ensure("bob", "first")]);
  await Promise.all([labs.watch(one, () => {}), labs.watch(two, () => {})]);
  const server = createServer(labs, secret);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = (method: string, path: string, token?: string) =>
    fetch(`${base}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  try {
    const admin = issueAdminToken(secret, { admin: "root" }, 60);
    assert.equal((await call("GET", "/admin/status")).status, 401);
    const labToken = issueLabToken(secret, { learner: "ann", sandbox: one, lesson: "first" }, 60);
    const wrong = await call("GET", "/admin/status", labToken);
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error, "wrong_kind");
    assert.equal((await call("DELETE", `/admin/labs/${two}`, labToken)).status, 401);
    assert.equal((await call("GET", "/admin/status", issueAdminToken("another secret", { admin: "root" }, 60))).status, 401);

    const status = await call("GET", "/admin/status", admin);
    assert.equal(status.status, 200);
    assert.deepEqual(((await status.json()) as HostStatus).labs.map((l) => l.state).sort(), ["running", "running"]);
    assert.deepEqual(await (await call("POST", `/admin/labs/${one}/suspend`, admin)).json(), { suspended: one });
    assert.deepEqual(await (await call("DELETE", `/admin/labs/${two}`, admin)).json(), { removed: two });
    assert.ok(driver.sandboxes.get(one)?.suspendedAt);
    assert.equal(driver.sandboxes.has(two), false);
    assert.equal((await call("POST", "/admin/status", admin)).status, 405);
    assert.equal((await call("DELETE", "/admin/labs/Not_A_Sandbox", admin)).status, 404);
  } finally {
    server.close();
  }
});
