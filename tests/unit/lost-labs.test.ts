import { mock, test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { LabManager } from "../../lab-runner/src/labs";
import { createServer } from "../../lab-runner/src/http/server";
import { TerminalClient as Terminal } from "../support/terminal-client";
import { startRounds } from "../../lab-runner/src/labs/rounds";
import { FakeDriver } from "../support/fake-driver";
import { closedBy, issueLabToken, REFUSALS, type Lesson, type ServerMessage } from "@dockyard/contract/server";
import type { Disconnect, Pty, TerminalClient, TerminalWatcher } from "../../lab-runner/src/terminal/session";

// Labs lost with the cluster node they ran on (the driver's Sandbox.lost): the learners at their terminals and live
// views are told in the table's words and their connections end refused as lab_lost, others are not told, nothing
// is told twice, and opening the lab again starts it anew. The driver is faked; tests/integration/kubernetes-scale.test.ts
// makes real nodes NotReady.

const lesson = { slug: "first", images: [], nodes: 1, steps: [{ id: "s1", title: "S", checks: [], commands: [] }] } as unknown as Lesson;

function setup() {
  const driver = new FakeDriver();
  const fakePty = { onData() {}, onExit() {}, write() {}, resize() {}, pause() {}, resume() {}, kill() {} } as Pty;
  const labs = new LabManager(driver, { idleTimeoutMs: 60_000, findLesson: (slug) => (slug === "first" ? lesson : undefined), spawnPty: () => fakePty });
  return { driver, labs };
}

/** A terminal or live view that records what it is told and why it was disconnected. */
function client(): TerminalWatcher & { told: ServerMessage[]; disconnected: Disconnect[] } {
  const told: ServerMessage[] = [];
  const disconnected: Disconnect[] = [];
  return { told, disconnected, output() {}, control: (m) => told.push(m), disconnect: (reason) => disconnected.push(reason) };
}

async function started(labs: LabManager, learner: string): Promise<string> {
  const id = await labs.ensure(learner, "first");
  await labs.watch(id, () => {});
  return id;
}

test("a lost lab's terminals and live views are told in the table's words and end refused as lab_lost; other labs are not told", async () => {
  const { driver, labs } = setup();
  const [ann, bob] = [await started(labs, "ann"), await started(labs, "bob")];
  const [annTerminal, annView, bobTerminal] = [client(), client(), client()];
  labs.session(ann).attach(annTerminal);
  (await labs.liveSession(ann, "first", "node1")).watch(annView);
  labs.session(bob).attach(bobTerminal);

  assert.deepEqual(await labs.tellLost(), [], "nothing is lost yet");
  driver.sandboxes.set(ann, { ...driver.sandboxes.get(ann)!, lost: "its node fake-node-3 is NotReady" });
  assert.deepEqual(
    (await labs.tellLost()).map((s) => [s.id, s.lost]),
    [[ann, "its node fake-node-3 is NotReady"]],
  );

  const notice: ServerMessage = { type: "notice", code: "lab_lost", message: REFUSALS.lab_lost.message };
  for (const at of [annTerminal, annView]) {
    assert.deepEqual(
      at.told.filter((m) => m.type === "notice"),
      [notice],
    );
    assert.deepEqual(at.disconnected, ["lab_lost"]);
  }
  assert.match(notice.message, /stopped answering, so your lab stopped\. Reload the page to start it again on another machine/);
  assert.deepEqual([bobTerminal.told, bobTerminal.disconnected], [[], []], "bob's lab runs: he is told nothing");
  assert.deepEqual(await labs.tellLost(), [], "told once: its terminals are gone");
});

test("the learner's terminal socket hears the notice, then closes refused as lab_lost, which the page retries", async () => {
  const { driver, labs } = setup();
  const server = createServer(labs, "lost-labs-secret");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const ann = await started(labs, "ann");
  const token = issueLabToken("lost-labs-secret", { learner: "ann", lesson: "first", sandbox: ann }, 60);
  const terminal = new Terminal(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/sandboxes/${ann}/terminal?token=${encodeURIComponent(token)}`);
  try {
    await terminal.until(() => terminal.messages.some((m) => m.type === "ready"), 5000, "ready");
    await terminal.until(() => labs.session(ann).attachedClients === 1, 5000, "attached");
    driver.sandboxes.set(ann, { ...driver.sandboxes.get(ann)!, lost: "its node went away" });
    await labs.tellLost();
    await terminal.until(() => Boolean(terminal.closed), 5000, "closed");
    const told = terminal.messages.filter((m) => m.type === "notice" || m.type === "error");
    assert.deepEqual(told, [
      { type: "notice", code: "lab_lost", message: REFUSALS.lab_lost.message },
      { type: "error", code: "lab_lost", message: REFUSALS.lab_lost.message },
    ]);
    assert.equal(terminal.closed!.code, 4503);
    assert.equal(closedBy(told[1] as { code: string; message: string }, terminal.closed!.code)?.retry, true);
  } finally {
    terminal.socket.close();
    server.close();
  }
});

test("a lost lab refuses checks and node requests as lab_lost, and opening it again starts it anew", async () => {
  const { driver, labs } = setup();
  const ann = await started(labs, "ann");
  driver.sandboxes.set(ann, { ...driver.sandboxes.get(ann)!, lost: "its pod was evicted" });
  for (const refused of [labs.check(ann, "first", "s1"), labs.node(ann, "first", "node1")]) await assert.rejects(refused, { code: "lab_lost" });

  assert.equal(await started(labs, "ann"), ann);
  assert.equal(driver.starts, 2, "the lost lab was started again, not taken for running");
  assert.equal(driver.sandboxes.get(ann)?.lost, undefined);
  await labs.check(ann, "first", "s1");
});

test("a terminal client that cannot be disconnected is still told, and no longer counts as attached", async () => {
  const { driver, labs } = setup();
  const ann = await started(labs, "ann");
  const told: ServerMessage[] = [];
  const plain: TerminalClient = { output() {}, control: (m) => told.push(m) };
  labs.session(ann).attach(plain);
  driver.sandboxes.set(ann, { ...driver.sandboxes.get(ann)!, lost: "its node was deleted" });
  await labs.tellLost();
  assert.deepEqual(
    told.map((m) => m.type === "notice" && m.code),
    ["lab_lost"],
  );
  assert.equal(labs.session(ann).attachedClients, 0, "a new shell for the lab, with nobody attached");
});

test("the driver is asked for lost labs only while someone is at a terminal", async () => {
  const { driver, labs } = setup();
  const [, bob] = [await started(labs, "ann"), await started(labs, "bob")];
  const list = mock.method(driver, "list");
  await labs.tellLost();
  assert.equal(list.mock.callCount(), 0);
  labs.session(bob).attach(client());
  await labs.tellLost();
  assert.equal(list.mock.callCount(), 1);
});

test("the rounds look for lost labs every 5 s, not while the engine does not answer", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  let up = true;
  let looks = 0;
  const labs = {
    reap: async () => [],
    evict: async () => [],
    tendPool: async () => {},
    watchEngine: async () => up,
    tellLimits: async () => {},
    tellLost: async () => (looks++, []),
  };
  const stop = startRounds(labs, 3_600_000);
  const advance = async (seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      t.mock.timers.tick(1000);
      await new Promise((r) => setImmediate(r));
    }
  };
  await advance(5);
  assert.equal(looks, 1);
  up = false;
  await advance(5); // the lookout (every 2 s) sees the engine down at 6 s, before the look at 10 s
  assert.equal(looks, 1, "no look while the engine does not answer");
  up = true;
  await advance(5);
  assert.equal(looks, 2);
  stop();
});
