import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseLesson, readSetupFailure, Refusal, SETUP_OUTPUT_BYTES, type Lesson, type ServerMessage } from "@dockyard/contract/server";
import { LabSetup, MARKERS_DIR } from "../../lab-runner/src/labs/setup";
import { LabManager } from "../../lab-runner/src/labs";
import type { ExecResult } from "../../lab-runner/src/sandbox/driver";
import type { Pty } from "../../lab-runner/src/terminal/session";
import { FakeDriver } from "../support/fake-driver";

// The lab-runner's side of lesson setup against nodes in memory: what runs where and in which order, what a
// failure tells, and the markers that keep a passed block from ever running again (a retry, a new lab-runner);
// then through LabManager: the boot's "setup" stage, a failed boot and its retry, a step's setup and adoption.

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Nodes in memory that answer LabSetup's commands: markers, placed files, and scripts by a handler. */
class Nodes {
  markers = new Map<string, Set<string>>();
  files = new Map<string, { content: string; mode: string }>();
  /** Every script run, as "<node>: <script>". */
  ran: string[] = [];
  answer: (script: string) => ExecResult = () => ({ exitCode: 0, output: "" });

  exec =
    (_id: string, node: string) =>
    async (cmd: string[], opts: { stdin?: string } = {}): Promise<ExecResult> => {
      await new Promise((r) => setTimeout(r, 1));
      const markers = this.markers.get(node) ?? this.markers.set(node, new Set()).get(node)!;
      if (cmd[2]?.startsWith("ls -1 ")) {
        assert.ok(cmd[2].includes(MARKERS_DIR));
        return { exitCode: 0, output: [...markers].map((m) => m + "\n").join("") };
      }
      if (cmd[3] === "mark") return (markers.add(cmd[4]!), { exitCode: 0, output: "" });
      if (cmd[3] === "place") {
        this.files.set(`${node}:${cmd[4]}`, { content: Buffer.from(opts.stdin!, "base64").toString(), mode: cmd[5]! });
        return { exitCode: 0, output: "" };
      }
      assert.equal(cmd[3], "setup", `unexpected command ${cmd.join(" ")}`);
      assert.match(cmd[2]!, /^cd \/root && exec timeout -k 5 "\$1" bash -c "\$2"$/);
      this.ran.push(`${node}: ${cmd[5]}`);
      return this.answer(cmd[5]!);
    };
}

function lesson(source: string, files: Record<string, string> = {}): Lesson {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-lab-setup-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return parseLesson(source, path.join(dir, "lesson.mdx"), "demo");
}

const SOURCE = `---
title: T
summary: S
order: 1
minutes: 5
nodes: 2
files:
  - { source: files/app.py, target: app/, mode: "0755" }
  - { source: files/peer.txt, target: /etc/peer.txt, node: node2 }
---

\`\`\`sh setup
first
\`\`\`

\`\`\`sh setup node=node2 timeout=9
second
\`\`\`

<Step id="fix" title="Fix it">

\`\`\`sh setup
step one
\`\`\`

\`\`\`sh setup
step two
\`\`\`

</Step>
`;
const FILES = { "files/app.py": "print('hi')\n", "files/peer.txt": "peer\n" };

async function refusalOf(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof Refusal, String(e));
    return e;
  }
  assert.fail("expected a refusal");
}

test("the lesson's files are placed, then its setup blocks run in order on their nodes; a step's run when asked", async () => {
  const nodes = new Nodes();
  const demo = lesson(SOURCE, FILES);
  const setup = new LabSetup(nodes.exec);
  await setup.prepareLab("lab", demo);
  assert.deepEqual(Object.fromEntries(nodes.files), {
    "node1:/root/app/app.py": { content: "print('hi')\n", mode: "0755" },
    "node2:/etc/peer.txt": { content: "peer\n", mode: "0644" },
  });
  assert.deepEqual(nodes.ran, ["node1: first", "node2: second"]);
  await setup.prepareStep("lab", demo.steps[0]!);
  assert.deepEqual(nodes.ran, ["node1: first", "node2: second", "node1: step one", "node1: step two"]);
});

test("a passed block never runs again: not on a second ask, not for a restarted lab-runner reading the node's markers", async () => {
  const nodes = new Nodes();
  const demo = lesson(SOURCE, FILES);
  const first = new LabSetup(nodes.exec);
  await first.prepareLab("lab", demo);
  await first.prepareStep("lab", demo.steps[0]!);
  await first.prepareStep("lab", demo.steps[0]!);
  assert.equal(nodes.ran.length, 4);
  nodes.files.clear();

  const restarted = new LabSetup(nodes.exec);
  await restarted.prepareLab("lab", demo);
  await restarted.prepareStep("lab", demo.steps[0]!);
  assert.equal(nodes.ran.length, 4, "nothing ran again");
  assert.equal(nodes.files.size, 0, "the files were not placed again (the learner may have changed them)");
  assert.deepEqual([...nodes.markers.get("node1")!].map((m) => m.replace(/\.[0-9a-f]{16}$/, "")).sort(), ["files", "lesson-1", "step-fix-1", "step-fix-2"]);

  const edited = lesson(SOURCE.replace("step two", "step two, edited"), FILES);
  await restarted.prepareStep("lab", edited.steps[0]!);
  assert.deepEqual(nodes.ran.slice(4), ["node1: step two, edited"], "an edited block is a new one");
});

test("asks for one step's setup while it runs share that run", async () => {
  const nodes = new Nodes();
  const demo = lesson(SOURCE, FILES);
  const setup = new LabSetup(nodes.exec);
  await Promise.all([setup.prepareStep("lab", demo.steps[0]!), setup.prepareStep("lab", demo.steps[0]!), setup.prepareStep("lab", demo.steps[0]!)]);
  assert.deepEqual(nodes.ran, ["node1: step one", "node1: step two"]);
});

test("a failing block stops the setup with its exit code and the end of its output; the next try runs it again, not what passed", async () => {
  const nodes = new Nodes();
  const demo = lesson(SOURCE, FILES);
  const setup = new LabSetup(nodes.exec);
  const noise = "x".repeat(SETUP_OUTPUT_BYTES * 2);
  nodes.answer = (script) => (script === "second" ? { exitCode: 3, output: `${noise}\nweb: image not found\n` } : { exitCode: 0, output: "" });
  const refusal = await refusalOf(setup.prepareLab("lab", demo));
  assert.equal(refusal.code, "setup_failed");
  const { summary, output } = readSetupFailure(refusal.message);
  assert.equal(summary, "Preparing your lab failed: the setup script on node2 (line 16 of the lesson) ended with exit code 3.");
  assert.ok(output.endsWith("web: image not found"));
  assert.ok(Buffer.byteLength(output) <= SETUP_OUTPUT_BYTES + 3, "only the end of the output is told");
  assert.ok(output.startsWith("…x"));

  nodes.answer = () => ({ exitCode: 0, output: "" });
  await setup.prepareLab("lab", demo);
  assert.deepEqual(nodes.ran, ["node1: first", "node2: second", "node2: second"]);
});

test("a step's failing block names the step; one that ran out of time says so", async () => {
  const nodes = new Nodes();
  const demo = lesson(SOURCE, FILES);
  const setup = new LabSetup(nodes.exec);
  nodes.answer = () => ({ exitCode: 1, output: "" });
  const failed = await refusalOf(setup.prepareStep("lab", demo.steps[0]!));
  assert.equal(failed.message, "Preparing step “Fix it” failed: the setup script on node1 (line 22 of the lesson) ended with exit code 1.");
  nodes.answer = () => ({ exitCode: 124, output: "waiting for web…\n" });
  const slow = await refusalOf(setup.prepareLab("lab", demo));
  assert.deepEqual(readSetupFailure(slow.message), {
    summary: "Preparing your lab failed: the setup script on node1 (line 12 of the lesson) did not finish within 120 s and was stopped.",
    output: "waiting for web…",
  });
});

test("a lesson file missing from the lesson's folder fails the setup, saying which", async () => {
  const nodes = new Nodes();
  const refusal = await refusalOf(new LabSetup(nodes.exec).prepareLab("lab", lesson(SOURCE, { "files/app.py": "x" })));
  assert.equal(refusal.message, "Preparing your lab failed: the lesson's file files/peer.txt is missing from its folder (lessons:lint says so too).");
  assert.deepEqual(nodes.ran, []);
});

/** A FakeDriver whose nodes answer LabSetup's commands. */
class SetupDriver extends FakeDriver {
  constructor(readonly nodes: Nodes) {
    super();
  }
  override async exec(id: string, cmd: string[], opts: { node?: string; stdin?: string } = {}) {
    this.execs.push({ node: opts.node ?? "node1", cmd });
    if (cmd[0] === "sh") return this.nodes.exec(id, opts.node ?? "node1")(cmd, opts);
    return { exitCode: 0, output: "" }; // the step writer
  }
}

function manager(driver: FakeDriver, demo: Lesson) {
  const pty = { onData() {}, onExit() {}, write() {}, resize() {}, pause() {}, resume() {}, kill() {} } as Pty;
  return new LabManager(driver, { idleTimeoutMs: 60_000, findLesson: (slug) => (slug === demo.slug ? demo : undefined), spawnPty: () => pty });
}

test("a lab is ready only once its lesson's setup passed, shown as the boot's setup stage", async () => {
  const nodes = new Nodes();
  const demo = lesson(SOURCE, FILES);
  const labs = manager(new SetupDriver(nodes), demo);
  const id = await labs.ensure("ann", "demo");
  const seen: ServerMessage[] = [];
  await labs.watch(id, (m) => {
    seen.push(m);
    if (m.type === "ready") assert.equal(nodes.ran.length, 2, "every lesson block ran before ready");
  });
  assert.deepEqual(
    seen.map((m) => (m.type === "stage" ? m.stage : m.type)),
    ["network", "setup", "ready"],
  );
});

test("a failed lesson setup fails the boot with its output; the next boot (Retry) runs only what did not pass", async () => {
  const nodes = new Nodes();
  const demo = lesson(SOURCE, FILES);
  const driver = new SetupDriver(nodes);
  const labs = manager(driver, demo);
  nodes.answer = (script) => (script === "second" ? { exitCode: 1, output: "no marker yet\n" } : { exitCode: 0, output: "" });
  const id = await labs.ensure("ann", "demo");
  const seen: ServerMessage[] = [];
  const refusal = await refusalOf(labs.watch(id, (m) => seen.push(m)));
  assert.equal(refusal.code, "setup_failed");
  assert.deepEqual(seen.at(-1), { type: "error", code: "setup_failed", message: refusal.message });
  assert.equal(readSetupFailure(refusal.message).output, "no marker yet");

  nodes.answer = () => ({ exitCode: 0, output: "" });
  await labs.ensure("ann", "demo");
  await labs.watch(id, () => {});
  assert.deepEqual(nodes.ran, ["node1: first", "node2: second", "node2: second"]);
  assert.equal(driver.starts, 2);
});

test("a step's setup runs once the lab is ready, once; its check waits for it; an adopting lab-runner runs nothing again", async () => {
  const nodes = new Nodes();
  const demo = lesson(SOURCE, FILES);
  const driver = new SetupDriver(nodes);
  const labs = manager(driver, demo);
  await assert.rejects(labs.prepareStep("dy-nothing", "demo", "fix"), (e: Refusal) => e.code === "not_running");
  const id = await labs.ensure("ann", "demo");
  await labs.prepareStep(id, "demo", "fix"); // waits for the boot
  assert.deepEqual(nodes.ran.slice(2), ["node1: step one", "node1: step two"]);
  await labs.prepareStep(id, "demo", "fix");
  await labs.check(id, "demo", "fix");
  assert.equal(nodes.ran.length, 4);
  await assert.rejects(labs.prepareStep(id, "demo", "nope"), (e: Refusal) => e.code === "unknown_step");

  const adopting = manager(driver, demo);
  assert.equal(await adopting.adopt(), 1);
  const seen: ServerMessage[] = [];
  await adopting.watch(id, (m) => seen.push(m));
  assert.deepEqual(
    seen.map((m) => (m.type === "stage" ? m.stage : m.type)),
    ["setup", "ready"],
  );
  await adopting.prepareStep(id, "demo", "fix");
  assert.equal(nodes.ran.length, 4, "nothing ran again");
});

test("a check of a step whose setup has not run runs it first", async () => {
  const nodes = new Nodes();
  const demo = lesson(SOURCE, FILES);
  const labs = manager(new SetupDriver(nodes), demo);
  const id = await labs.ensure("ann", "demo");
  await labs.watch(id, () => {});
  const result = await labs.check(id, "demo", "fix");
  assert.equal(result.passed, true);
  assert.deepEqual(nodes.ran.slice(2), ["node1: step one", "node1: step two"]);
});
