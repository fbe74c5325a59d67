import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CommandReportFilter, type CommandReport } from "../../lab-runner/src/terminal/command-reports";
import { TerminalSession, type Pty, type TerminalRecorder } from "../../lab-runner/src/terminal/session";
import { CommandLogs } from "../../lab-runner/src/recordings/command-log";
import { LabManager } from "../../lab-runner/src/labs";
import type { Lesson } from "@dockyard/contract/server";
import type { SandboxDriver } from "../../lab-runner/src/sandbox/driver";

// The commands a shell reports on its terminal: taken out of the output before anyone sees it, and kept in a log on
// the host. The pty and the sandbox are faked (unit-test boundaries); tests/security/evidence.test.ts does it
// with a real shell in a real sandbox.

const report = (status: number, step: string, command: string) => `\x1b]6973;${status};${step};${command}\x07`;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-commands-"));

function strip(chunks: (string | Buffer)[]): { output: string; reports: CommandReport[] } {
  const filter = new CommandReportFilter();
  const out: Buffer[] = [];
  const reports: CommandReport[] = [];
  for (const chunk of chunks) {
    const r = filter.strip(Buffer.from(chunk));
    out.push(r.output);
    reports.push(...r.reports);
  }
  return { output: Buffer.concat(out).toString("utf8"), reports };
}

const STREAM = `$ echo hi\r\nhi\r\n${report(0, "ids", "echo hi")}\x1b]0;title\x07\x1b[1;36mroot\x1b[0m$ ${report(130, "ids", "sleep 30")}${report(
  2,
  "build",
  "printf 'a\\\\tb\\x1b[31m' \\\\\\nls ✓",
)}$ `;
const SHOWN = "$ echo hi\r\nhi\r\n\x1b]0;title\x07\x1b[1;36mroot\x1b[0m$ $ ";
const REPORTED: CommandReport[] = [
  { exitCode: 0, step: "ids", command: "echo hi" },
  { exitCode: 130, step: "ids", command: "sleep 30" },
  { exitCode: 2, step: "build", command: "printf 'a\\tb\x1b[31m' \\\nls ✓" },
];

test("reports are taken out of the output and unescaped; other escape sequences pass as they were", () => {
  assert.deepEqual(strip([STREAM]), { output: SHOWN, reports: REPORTED });
});

test("a report split anywhere across chunks is found whole, and output around it is not held back", () => {
  const bytes = Buffer.from(STREAM);
  assert.deepEqual(strip([...bytes].map((b) => Buffer.from([b]))), { output: SHOWN, reports: REPORTED });
  for (let cut = 1; cut < bytes.length; cut++) assert.deepEqual(strip([bytes.subarray(0, cut), bytes.subarray(cut)]), { output: SHOWN, reports: REPORTED });
  const filter = new CommandReportFilter();
  assert.equal(filter.strip(Buffer.from("abc\x1b]69")).output.toString(), "abc", "only what may be a report's start waits");
  assert.equal(filter.strip(Buffer.from("x done")).output.toString(), "\x1b]69x done", "and is output once it is not");
});

test("a report broken off by a control character or too long is dropped, never passed on", () => {
  assert.deepEqual(strip([`a\x1b]6973;0;s;echo\r\nb`]), { output: "a\r\nb", reports: [] });
  assert.deepEqual(strip([`a\x1b]6973;0;s;echo\x1b[31mb`]), { output: "a\x1b[31mb", reports: [] });
  assert.deepEqual(strip([`${report(0, "s", "no status;x").replace("0;", "")}after`]), { output: "after", reports: [] });
  const long = strip([`a\x1b]6973;0;s;`, "x".repeat(30_000), "y\x07b"]);
  assert.deepEqual(long.reports, []);
  assert.ok(!long.output.includes("\x1b]6973"), "no part of the intro is output");
  assert.ok(long.output.startsWith("a") && long.output.endsWith("y\x07b"));
});

class FakePty implements Pty {
  listener?: (d: Buffer) => void;
  onData(l: (d: Buffer) => void) {
    this.listener = l;
  }
  onExit() {}
  write() {}
  resize() {}
  pause() {}
  resume() {}
  kill() {}
}

test("a terminal session hands each report on before the output after it, and no client, watcher, scrollback or recording sees it", async () => {
  const pty = new FakePty();
  const recorded: string[] = [];
  const recorder: TerminalRecorder = { output: (d) => recorded.push(d.toString()), resize() {} };
  const events: string[] = [];
  const session = new TerminalSession(() => pty, { recorder, onCommand: (r) => events.push(`report ${r.command}`) });
  let shown = "";
  session.attach({ output: (d) => ((shown += d.toString()), events.push("output")), control() {} });
  let watched = "";
  session.watch({ output: (d) => (watched += d.toString()), control() {}, disconnect() {} });
  for (const b of Buffer.from(STREAM)) pty.listener!(Buffer.from([b]));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(shown, SHOWN);
  assert.equal(watched, SHOWN);
  assert.equal(recorded.join(""), SHOWN);
  assert.deepEqual(
    events.slice(0, 3),
    ["report echo hi", "report sleep 30", `report ${REPORTED[2]!.command}`],
    "reported before the prompt after them is sent",
  );
  let again = "";
  session.attach({ output: (d) => (again += d.toString()), control() {} });
  assert.equal(again, SHOWN, "the scrollback a reattaching browser gets");
});

test("the command log is kept on the host: read back per step, continued after a restart, capped, removed with the lab", () => {
  const dir = tmp();
  const clock = { ms: 1_000 };
  const logs = new CommandLogs(dir, { now: () => clock.ms });
  logs.append("dy-a", "node1", { exitCode: 0, step: "ids", command: "docker ps" });
  clock.ms = 2_000;
  logs.append("dy-a", "node1", { exitCode: 1, step: "build", command: "a\tb\\n\r\nc" });
  logs.append("dy-a", "node2", { exitCode: 0, step: "build", command: "on node2" });
  const file = path.join(dir, "dy-a", "node1.log");
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), "600");
  assert.deepEqual(logs.read("dy-a", "node1"), [
    { at: new Date(1_000).toISOString(), step: "ids", exitCode: 0, command: "docker ps" },
    { at: new Date(2_000).toISOString(), step: "build", exitCode: 1, command: "a\tb\\n\r\nc" },
  ]);
  assert.deepEqual(
    logs.read("dy-a", "node1", "build").map((c) => c.command),
    ["a\tb\\n\r\nc"],
  );
  logs.close("dy-a");

  const restarted = new CommandLogs(dir, { now: () => 3_000 });
  restarted.append("dy-a", "node1", { exitCode: 0, step: "build", command: "after a restart" });
  assert.deepEqual(
    restarted.read("dy-a", "node1").map((c) => c.command),
    ["docker ps", "a\tb\\n\r\nc", "after a restart"],
  );
  assert.deepEqual(restarted.read("dy-b", "node1"), [], "a lab without a log has no commands");

  const huge = "x".repeat(3999);
  for (let i = 0; i < 1100; i++) restarted.append("dy-c", "node1", { exitCode: 0, step: "s", command: huge });
  assert.ok(fs.statSync(path.join(dir, "dy-c", "node1.log")).size <= 4 * 1024 * 1024, "a flood fills its own log, and no more");
  assert.ok(restarted.read("dy-c", "node1").length > 200, "the end of a big log is read");

  restarted.remove("dy-a");
  assert.equal(fs.existsSync(path.join(dir, "dy-a")), false);
  assert.deepEqual(restarted.read("dy-a", "node1"), []);
  assert.throws(() => restarted.read("../etc", "node1"), /not a sandbox id/);
  assert.throws(() => restarted.read("dy-a", "../x"), /not a node name/);
});

test("a lab's commands are what its shells reported; suspending keeps them, removing the lab removes them", async () => {
  const ptys = new Map<string, FakePty>();
  const driver = {
    get: async () => ({ running: true }),
    exec: async () => ({ exitCode: 0, output: "" }),
    shellCommand: (_id: string, node: string) => ({ file: node, args: [], env: {} }),
    suspend: async () => {},
    remove: async () => {},
  } as unknown as SandboxDriver;
  const lesson = { slug: "demo", nodes: 2, steps: [{ id: "ids", checks: [] }] } as unknown as Lesson;
  const labs = new LabManager(driver, {
    idleTimeoutMs: 1000,
    findLesson: () => lesson,
    spawnPty: (command) => ptys.set(command.file, new FakePty()).get(command.file)!,
    commandLogs: new CommandLogs(tmp()),
  });
  for (const node of ["node1", "node2"]) labs.session("dy-x", node).attach({ output() {}, control() {} });
  ptys.get("node1")!.listener!(Buffer.from(`x${report(0, "ids", "docker ps -q")}$ `));
  ptys.get("node2")!.listener!(Buffer.from(report(3, "ids", "on node2")));
  assert.deepEqual(
    (await labs.commands("dy-x", "ids")).map((c) => [c.exitCode, c.command]),
    [[0, "docker ps -q"]],
  );
  assert.deepEqual(
    (await labs.commands("dy-x", undefined, "node2")).map((c) => [c.exitCode, c.command]),
    [[3, "on node2"]],
  );
  const evidence = await labs.check("dy-x", "demo", "ids");
  assert.deepEqual(
    evidence.commands?.map((c) => [c.node, c.command]),
    [
      ["node1", "docker ps -q"],
      ["node2", "on node2"],
    ],
  );
  await labs.suspend("dy-x");
  assert.equal((await labs.commands("dy-x")).length, 1);
  await labs.remove("dy-x");
  assert.deepEqual(await labs.commands("dy-x"), []);
});
