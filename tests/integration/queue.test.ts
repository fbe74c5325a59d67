import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ServerMessage } from "@dockyard/contract";
import { Stack } from "../support/stack";
import { labClient } from "../support/lab-client";
import type { TerminalClient } from "../support/terminal-client";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// Boots under a burst, through the real lab-runner and real sandboxes: with one boot at a time, labs started
// together wait in line, are told their place, and boot one after the other.

const stack = new Stack({ name: "queue-it", sitePort: 3270, runnerPort: 3271, env: { DOCKYARD_BOOT_CONCURRENCY: "1" } });
const LESSON = "first-container";
const driver = new DockerSandboxDriver();
const labs = [0, 1, 2].map((i) => labClient(stack, `queue-${process.pid}-${i}`, LESSON));

/** When the terminal got its first stage and its "ready" (ms since the epoch). */
function boot(t: TerminalClient) {
  const times: { stage?: number; ready?: number } = {};
  t.socket.on("message", (data, isBinary) => {
    if (isBinary) return;
    const m = JSON.parse(data.toString()) as ServerMessage;
    if (m.type === "stage") times.stage ??= Date.now();
    if (m.type === "ready") times.ready = Date.now();
  });
  return times;
}

const positions = (t: TerminalClient) => t.messages.flatMap((m) => (m.type === "queued" ? [m.position] : []));

describe("boot queue", { timeout: 600_000 }, () => {
  before(async () => {
    await stack.reset();
    await stack.startRunner();
  });
  after(async () => {
    await stack.stop();
    await Promise.all(labs.map((l) => driver.remove(l.sandbox)));
  });

  test("three learners' labs started at once with one boot at a time: the 2nd and 3rd are told places 1 and 2, then all become ready", async () => {
    const terminals = labs.map((l) => l.terminal());
    const times = terminals.map(boot);
    await Promise.all(terminals.map((t) => t.ready(180_000)));

    const first = terminals.map((t) => positions(t)[0]);
    assert.equal(first.filter((p) => p === undefined).length, 1, `one lab booted at once (first places told: ${first})`);
    assert.deepEqual(first.filter((p) => p !== undefined).sort(), [1, 2]);
    const second = terminals[first.indexOf(1)]!;
    const third = terminals[first.indexOf(2)]!;
    assert.deepEqual([...new Set(positions(third))], [2, 1], "the third moved up when the first was ready");
    assert.deepEqual([...new Set(positions(second))], [1]);
    for (const t of [second, third]) {
      const queued = t.messages.find((m): m is Extract<ServerMessage, { type: "queued" }> => m.type === "queued")!;
      assert.ok(queued.estimateSeconds > 0, "an estimate is told");
      assert.ok(t.messages.findIndex((m) => m.type === "queued") < t.messages.findIndex((m) => m.type === "stage"), "its place before its stages");
    }

    // One boot at a time: each began after the one before it was ready (messages of two sockets may cross by a little).
    const order = [...times].sort((a, b) => a.stage! - b.stage!);
    for (let i = 1; i < order.length; i++)
      assert.ok(order[i]!.stage! >= order[i - 1]!.ready! - 100, `boot ${i + 1} began ${order[i - 1]!.ready! - order[i]!.stage!} ms before boot ${i} was ready`);

    for (const t of terminals) {
      t.type("echo queue-$((6*7))\r");
      await t.waitForText("queue-42");
      t.close();
    }
  });
});
