import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Stack } from "../support/stack";
import { TerminalClient } from "../support/terminal-client";
import { labClient } from "../support/lab-client";
import { REFUSALS, type ServerMessage } from "@dockyard/contract";
import { SOCKET_LIMITS } from "../../lab-runner/src/http/socketLimits";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// The limits a learner can run into, through the real lab-runner and real sandboxes: each stops what it must
// and tells the learner which limit it was and what to do, never a silent kill.

const RUNNER_PORT = 3221;
const PER_ADDRESS = 60;
const stack = new Stack({
  name: "limits-it",
  sitePort: 3220,
  runnerPort: RUNNER_PORT,
  env: { DOCKYARD_MAX_LABS_PER_LEARNER: "2", DOCKYARD_WS_PER_ADDRESS: String(PER_ADDRESS), DOCKYARD_NODE_DISK_GIB: "2" },
});
const driver = new DockerSandboxDriver();
const learner = `limits-${process.pid}`;
const started = new Set<string>();

function lab(lesson: string, who = learner) {
  const client = labClient(stack, who, lesson);
  started.add(client.sandbox); // whatever a test opens or starts is removed after
  return client;
}

const limitTold = (t: TerminalClient, limit: string) =>
  t.messages.find((m): m is Extract<ServerMessage, { type: "limit" }> => m.type === "limit" && m.limit === limit);

describe("limits tell the learner which one stopped them", { timeout: 600_000 }, () => {
  let t: TerminalClient;
  before(async () => {
    await stack.reset();
    await stack.startRunner();
    t = lab("first-container").terminal();
    await t.ready();
  });
  after(async () => {
    t?.close();
    await stack.stop();
    await Promise.all([...started].map((id) => driver.remove(id)));
  });

  test("a memory bomb typed in the terminal is stopped, the learner is told it was the memory limit, and the shell lives on", async () => {
    t.type("head -c 4000m /dev/zero | tail; echo bomb-exit-$?\r");
    await t.waitForText(/bomb-exit-137/, 60_000);
    await t.until(() => limitTold(t, "memory") !== undefined, 15_000, "the memory limit to be told");
    assert.match(limitTold(t, "memory")!.message, /memory limit \(1 GiB\).*docker stats/);
    t.type("echo alive-$((40+2))\r");
    await t.waitForText("alive-42");
  });

  test("a fork bomb is stopped by the process limit, and the learner is told so", async () => {
    t.type(`end=$(( $(date +%s) + 8 )); bomb() { [ $(date +%s) -lt $end ] && { bomb & bomb; }; }; (bomb 2>/dev/null); wait; echo bomb-over\r`);
    await t.until(() => limitTold(t, "processes") !== undefined, 30_000, "the process limit to be told");
    assert.match(limitTold(t, "processes")!.message, /limit of \d+ processes.*Ctrl-C/);
    await t.waitForText("bomb-over", 60_000);
  });

  test("a full disk is told, with what to remove", async () => {
    t.type("dd if=/dev/zero of=/root/fill bs=4M 2>&1 | grep -v records; echo fill-done\r");
    await t.waitForText(/No space left on device[\s\S]*fill-done/, 120_000);
    await t.until(() => limitTold(t, "disk") !== undefined, 15_000, "the disk limit to be told");
    assert.match(limitTold(t, "disk")!.message, /disk is full \(2 GiB .*docker system prune/);
    t.type("rm /root/fill; echo freed\r");
    await t.waitForText("freed");
  });

  test("a learner over their lab quota is refused with the reason, by the API and by the terminal", async () => {
    assert.equal((await lab("volumes").start()).status, 202, "a second lab is within the quota of 2");
    const third = await lab("networks").start();
    assert.equal(third.status, 429);
    const body = await third.json();
    assert.equal(body.error, "lab_quota");
    assert.match(body.message, /already have 2 labs running.*Stop one/);
    const refused = lab("networks").terminal();
    await refused.waitForClose();
    assert.equal(refused.closed?.code, REFUSALS.lab_quota.close);
    assert.match(refused.closed!.reason, /already have 2 labs running/);
    assert.equal((await lab("networks", `${learner}-other`).start()).status, 202, "another learner is not held to this one's quota");
    for (const booting of [lab("volumes"), lab("networks", `${learner}-other`)]) {
      const terminal = booting.terminal(); // their boots end before the lab-runner stops: none is left half made
      await terminal.ready();
      terminal.close();
    }
  });

  test("one lab holds a bounded number of terminals open; the next is refused, and a slot frees when one closes", async () => {
    const mine = lab("first-container");
    const extra = Array.from({ length: SOCKET_LIMITS.terminalsPerLab - 1 }, () => mine.terminal());
    await Promise.all(extra.map((c) => c.ready()));
    const over = mine.terminal();
    await over.waitForClose();
    assert.equal(over.closed?.code, REFUSALS.too_many_terminals.close);
    assert.match(over.closed!.reason, new RegExp(`already has ${SOCKET_LIMITS.terminalsPerLab} terminals open`));
    extra.pop()!.close();
    await new Promise((r) => setTimeout(r, 200));
    const again = mine.terminal();
    await again.ready();
    for (const c of [...extra, again]) c.close();
  });

  test("an address opening sockets too fast is refused with the reason", async () => {
    const bogus = `ws://127.0.0.1:${RUNNER_PORT}/sandboxes/dy-0000/terminal?token=bogus`;
    const clients = Array.from({ length: PER_ADDRESS + 5 }, () => new TerminalClient(bogus));
    await Promise.all(clients.map((c) => c.waitForClose()));
    const tooMany = clients.filter((c) => c.closed?.code === REFUSALS.too_many_connections.close);
    assert.ok(tooMany.length >= 5, `refused for the rate: ${tooMany.length}`);
    assert.match(tooMany[0]!.closed!.reason, /Too many new connections/);
    assert.ok(
      clients.some((c) => c.closed?.code === REFUSALS.unauthorized.close),
      "the first ones were judged on their token",
    );
  });
});
