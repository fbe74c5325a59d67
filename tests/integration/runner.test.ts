import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { Stack } from "../support/stack";
import { TerminalClient } from "../support/terminal-client";
import { labClient } from "../support/lab-client";
import { sandboxIdFor, BOOT_STAGES } from "@dockyard/contract/server";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// The lab-runner as a real process, over its real WebSocket and HTTP API, with real sandboxes.

const stack = new Stack({
  name: "runner-it",
  sitePort: 3120,
  runnerPort: 3121,
  env: { DOCKYARD_IDLE_TIMEOUT_MINUTES: "0.05", DOCKYARD_REAP_INTERVAL_SECONDS: "1" },
});
const LESSON = "first-container";
const driver = new DockerSandboxDriver();
const learners: string[] = [];

function lab(learner = `it-${process.pid}-${learners.length}`) {
  learners.push(learner);
  return labClient(stack, learner, LESSON);
}

const rssKiB = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("lab-runner", { timeout: 600_000 }, () => {
  before(async () => {
    await stack.reset();
    await stack.startRunner();
  });
  after(async () => {
    await stack.stop();
    for (const learner of learners) await driver.remove(sandboxIdFor(learner, LESSON));
  });

  test("a new sandbox reports every boot stage in order, then the shell echoes keystrokes", async () => {
    const t = lab().terminal();
    await t.ready();
    const stages = t.messages.filter((m) => m.type === "stage").map((m) => (m as { stage: string }).stage);
    assert.deepEqual(stages, [...BOOT_STAGES]);
    t.type("echo $((40+2))-ok\r");
    await t.waitForText("42-ok");
    t.close();
  });

  test("a dropped connection reattaches to the same shell and replays what it missed", async () => {
    const l = lab();
    const first = l.terminal();
    await first.ready();
    first.type("export SECRET_WORD=pelican; echo set-$SECRET_WORD\r");
    await first.waitForText("set-pelican");
    first.close();
    await sleep(300);
    const second = l.terminal();
    await second.ready();
    await second.waitForText("set-pelican"); // replayed scrollback
    second.type("echo again-$SECRET_WORD\r");
    await second.waitForText("again-pelican"); // same shell: the variable survived
    second.close();
  });

  test("resize follows the client", async () => {
    const t = lab().terminal();
    await t.ready();
    t.send({ type: "resize", cols: 132, rows: 41 });
    t.type("stty size\r");
    await t.waitForText("41 132");
    t.close();
  });

  test("malformed messages and oversized pastes get clear errors and the terminal keeps working", async () => {
    const t = lab().terminal();
    await t.ready();
    t.send("{not json");
    t.send({ type: "resize", cols: -1, rows: 99999 });
    t.send({ type: "reboot" });
    t.type("x".repeat(100 * 1024));
    await t.until(() => t.messages.filter((m) => m.type === "error").length === 4, 10_000, "four errors");
    const errors = t.messages.filter((m) => m.type === "error") as { code: string; message: string }[];
    assert.deepEqual(
      errors.map((e) => e.code),
      ["bad_message", "bad_message", "bad_message", "input_too_large"],
    );
    assert.match(errors[3]!.message, /100 KiB; the limit is 64 KiB/);
    t.type("echo still-$((1+1))\r");
    await t.waitForText("still-2");
    assert.ok(!t.text.includes("xxxxxxxxxx"), "nothing of the refused paste was typed");
    t.close();
  });

  test("`yes` for 10 s: a client that stops acknowledging pauses the shell; memory stays bounded; acks resume it", async () => {
    const t = new TerminalClient(lab().url, false);
    await t.ready();
    const before = rssKiB(stack.runnerPid);
    t.type("yes\r");
    await sleep(10_000);
    const received = t.unacked;
    const during = rssKiB(stack.runnerPid);
    assert.ok(received < 4 * 1024 * 1024, `unacknowledged output must stop near the high watermark, got ${received} bytes`);
    assert.ok(during - before < 150 * 1024, `lab-runner RSS grew by ${during - before} KiB`);
    t.ack();
    await t.until(() => t.unacked > 0, 5000, "output to resume after the ack");
    t.type("\x03");
    // Drain with acknowledgements until the shell answers again.
    const drain = setInterval(() => t.ack(), 50);
    t.clearText();
    t.type("echo alive-$((3*3))\r");
    await t.waitForText("alive-9", 30_000);
    clearInterval(drain);
    t.close();
  });

  test("checks judge the real sandbox: wrong output fails with a message, the right one passes", async () => {
    const l = lab();
    const t = l.terminal();
    await t.ready();
    assert.match((await l.check("hello-busybox")).body.message, /No container from the image busybox has run yet/);
    t.type("docker run busybox echo hello\r");
    await t.waitForText(/[\r\n]hello\r\n/);
    await sleep(300);
    const wrong = await l.check("hello-busybox");
    assert.equal(wrong.body.passed, false);
    assert.match(wrong.body.message, /output was “hello”, which does not contain “hello world”/);
    t.type("docker run busybox echo hello world\r");
    await t.waitForText("hello world\r\n");
    await sleep(300);
    assert.equal((await l.check("hello-busybox")).body.passed, true);
    const cleanup = await l.check("clean-up");
    assert.equal(cleanup.body.passed, false);
    assert.match(cleanup.body.message, /2 container\(s\) still exist/);
    t.type("docker rm $(docker ps -aq)\r");
    await sleep(2000);
    assert.deepEqual((await l.check("clean-up")).body, {
      passed: true,
      message: "Well done: every part of this step is complete.",
      criteria: [{ name: "no containers left", passed: true, message: "No containers are left. Tidy!" }],
    });
    assert.equal((await l.check("no-such-step")).status, 404);
    t.close();
  });

  test("a restarted lab-runner finds its sandboxes by their labels and the terminal reattaches", async () => {
    const l = lab();
    const t = l.terminal();
    await t.ready();
    t.type("touch /root/survivor\r");
    await sleep(500);
    t.close();
    await stack.stopRunner();
    await stack.startRunner();
    const again = l.terminal();
    await again.ready();
    assert.deepEqual(
      again.messages.filter((m) => m.type === "stage"),
      [],
      "no boot: the sandbox was adopted",
    );
    again.type("ls /root/survivor && echo found-it\r");
    await again.waitForText("found-it");
    again.close();
  });

  test("an idle sandbox is suspended after the timeout once nobody is attached", async () => {
    const l = lab();
    const t = l.terminal();
    await t.ready();
    t.close();
    assert.equal((await driver.get(l.sandbox))?.running, true);
    const deadline = Date.now() + 40_000;
    while (!(await driver.get(l.sandbox))?.suspendedAt && Date.now() < deadline) await sleep(500);
    const suspended = await driver.get(l.sandbox);
    assert.ok(suspended?.suspendedAt, "idle sandbox not suspended after 40 s (timeout 3 s)");
    assert.equal(suspended.running, false);
  });
});
