import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseClientMessage } from "../../lab-runner/src/http/protocol";
import { LabManager } from "../../lab-runner/src/labs";
import { STEP_FILE } from "../../lab-runner/src/checks/commands";
import { CommandLogs } from "../../lab-runner/src/recordings/command-log";
import { checkSchema, type Lesson } from "@dockyard/contract/server";
import type { SandboxDriver } from "../../lab-runner/src/sandbox/driver";
import type { Pty } from "../../lab-runner/src/terminal/session";

// The step a learner is on: how the browser says it, how the lab-runner passes it to the sandbox, and how it
// reads back the commands of a step from the host's command log. The sandbox is faked (a unit-test boundary): its
// files are a map, and exec understands the step script of checks/commands.ts by its arguments; the commands its
// shell reported are put in a command log of a temporary directory. tests/integration/checks.test.ts does the same
// against a real sandbox and shell.

test("a step message is accepted with a step id and refused like any malformed message otherwise", () => {
  assert.deepEqual(parseClientMessage('{"type":"step","step":"list-ids"}'), { ok: true, message: { type: "step", step: "list-ids" } });
  for (const step of ["", "List IDs", "../etc", "a".repeat(65), 7]) {
    const parsed = parseClientMessage(JSON.stringify({ type: "step", step }));
    assert.ok(!parsed.ok && parsed.code === "bad_message", JSON.stringify(step));
    assert.match(parsed.message, /^Terminal message refused \(step: /);
  }
  assert.equal(parseClientMessage('{"type":"step","step":"a","extra":1}').ok, false);
});

/** `reported`: what the shell of sandbox "sb" reported, as [ms, step, command]. */
function setup(reported: [number, string, string][] = []) {
  const files = new Map<string, string>();
  const writes: string[] = [];
  const driver = {
    get: async () => ({ running: true }),
    innerDocker: () => ({}),
    exec: async (_id: string, cmd: string[]) => {
      assert.equal(cmd.at(-1), STEP_FILE, "the only command run in the sandbox writes the step");
      writes.push(cmd.at(-2)!);
      files.set(STEP_FILE, `${cmd.at(-2)}\n`);
      return { exitCode: 0, output: "" };
    },
  } as unknown as SandboxDriver;
  const clock = { ms: 0 };
  const commandLogs = new CommandLogs(fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-steps-")), { now: () => clock.ms });
  for (const [ms, step, command] of reported) {
    clock.ms = ms;
    commandLogs.append("sb", "node1", { exitCode: 0, step, command });
  }
  const lesson = {
    slug: "demo",
    nodes: 1,
    steps: [
      { id: "ids", checks: [checkSchema.parse({ kind: "command", matches: "-q" })] },
      { id: "read", checks: [] },
    ],
  } as unknown as Lesson;
  const labs = new LabManager(driver, { idleTimeoutMs: 1000, findLesson: () => lesson, spawnPty: () => ({}) as Pty, commandLogs });
  return { labs, writes, files };
}

test("the step is written into the sandbox only when it changes, in the order the changes came", async () => {
  const { labs, writes, files } = setup();
  await Promise.all([labs.setStep("sb", "one"), labs.setStep("sb", "one"), labs.setStep("sb", "two"), labs.setStep("sb", "one")]);
  assert.deepEqual(writes, ["one", "two", "one"]);
  assert.equal(files.get(STEP_FILE), "one\n");
  await labs.setStep("sb", "one");
  assert.equal(writes.length, 3);
});

test("a check judges and returns the commands of its own step only", async () => {
  const { labs } = setup([
    [1000, "", "docker ps -q"],
    [2000, "ids", "docker ps"],
    [3000, "ids", "docker ps -q"],
    [4000, "read", "docker ps -q"],
  ]);
  const ids = await labs.check("sb", "demo", "ids");
  assert.equal(ids.passed, true);
  assert.deepEqual(ids.commands, [
    { at: new Date(2000).toISOString(), step: "ids", exitCode: 0, command: "docker ps" },
    { at: new Date(3000).toISOString(), step: "ids", exitCode: 0, command: "docker ps -q" },
  ]);
  const read = await labs.check("sb", "demo", "read");
  assert.deepEqual(read, {
    passed: true,
    message: "This step has nothing to check.",
    criteria: [],
    commands: [{ at: new Date(4000).toISOString(), step: "read", exitCode: 0, command: "docker ps -q" }],
  });
});

test("a step without recorded commands carries no commands field", async () => {
  const { labs } = setup();
  const ids = await labs.check("sb", "demo", "ids");
  assert.equal(ids.passed, false);
  assert.equal("commands" in ids, false);
});
