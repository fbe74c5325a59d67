import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import Dockerode from "dockerode";
import { checkBlockSchema, engineSocket, issueLabToken, type Lesson, type RecordedCommand } from "@dockyard/contract/server";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { LabManager } from "../../lab-runner/src/labs";
import { spawnPty } from "../../lab-runner/src/terminal/pty";
import { createServer } from "../../lab-runner/src/http/server";
import { Recordings } from "../../lab-runner/src/recordings/store";
import { CommandLogs } from "../../lab-runner/src/recordings/command-log";
import { TerminalClient } from "../support/terminal-client";

// Command evidence out of the learner's reach, against a real sandbox and its real shell, driven through the
// terminal WebSocket as a browser does. The learner runs commands, then, as root in the sandbox, overwrites and
// deletes every in-sandbox trace of them; what the checks and a grader see (the evidence of each check) stays as it
// was, across a lab-runner restart and a suspend and resume too. And the shell's reports (escape sequences on the
// terminal) reach neither the browser nor the recording. What this cannot stop, and the grader's note says: a
// report forged live, since the learner is root where the shell runs.

const SLUG = "evidence-sec";
const LEARNER = `evidence-${process.pid}`;
const SECRET = "evidence-sec-secret";
const checks = (yaml: string) => checkBlockSchema.parse(YAML.parse(yaml));
const lesson = {
  slug: SLUG,
  images: ["busybox"],
  nodes: 1,
  steps: [
    { id: "ids", title: "List only the IDs", checks: checks("kind: command\nmatches: '^docker ps -q$'"), commands: [] },
    { id: "after", title: "Anything", checks: [], commands: [] },
  ],
} as unknown as Lesson;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-evidence-"));
const driver = new DockerSandboxDriver();
const recordings = new Recordings(path.join(dataDir, "recordings"), { maxBytes: 20 * 1024 * 1024 });
const labsOver = (commandLogs: CommandLogs) =>
  new LabManager(driver, { idleTimeoutMs: 3_600_000, findLesson: (slug) => (slug === SLUG ? lesson : undefined), spawnPty, recordings, commandLogs });
let labs = labsOver(new CommandLogs(path.join(dataDir, "commands")));
const server = createServer(labs, SECRET, recordings);
let id = "";
let terminal: TerminalClient;

const summary = (commands: RecordedCommand[] | undefined) => (commands ?? []).map((c) => [c.at, c.step, c.exitCode, c.command]);

async function connect(): Promise<TerminalClient> {
  const { port } = server.address() as { port: number };
  const token = issueLabToken(SECRET, { learner: LEARNER, sandbox: id, lesson: SLUG }, 300);
  const client = new TerminalClient(`ws://127.0.0.1:${port}/sandboxes/${id}/terminal?token=${encodeURIComponent(token)}`);
  await client.ready();
  return client;
}

/** The learner types a line; resolves once the lab-runner has recorded it. */
async function run(line: string): Promise<void> {
  const before = (await labs.commands(id)).length;
  terminal.type(`${line}\r`);
  const deadline = Date.now() + 30_000;
  while (!(await labs.commands(id)).slice(before).some((c) => c.command === line)) {
    assert.ok(Date.now() < deadline, `“${line}” was not recorded; terminal: ${JSON.stringify(terminal.text.slice(-300))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function step(stepId: string): Promise<void> {
  terminal.send({ type: "step", step: stepId });
  const deadline = Date.now() + 10_000;
  while ((await driver.exec(id, ["cat", "/run/dockyard/step"])).output !== `${stepId}\n`) {
    assert.ok(Date.now() < deadline, `the step ${stepId} was not written`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  id = await labs.ensure(LEARNER, SLUG);
  await labs.watch(id, () => {});
  terminal = await connect();
});

after(async () => {
  terminal?.close();
  await new Promise((resolve) => server.close(resolve));
  if (id) await labs.remove(id);
});

describe("command evidence the learner cannot rewrite", { timeout: 300_000 }, () => {
  let evidence: RecordedCommand[] = [];
  let all: RecordedCommand[] = [];

  test("commands typed at the terminal are recorded on the host, out of the sandbox's mounts", async () => {
    await step("ids");
    await run("docker ps -q");
    await run("echo kept-$((6*7))");
    const verdict = await labs.check(id, SLUG, "ids");
    assert.equal(verdict.passed, true, verdict.message);
    evidence = verdict.commands ?? [];
    assert.deepEqual(
      evidence.map((c) => [c.step, c.exitCode, c.command]),
      [
        ["ids", 0, "docker ps -q"],
        ["ids", 0, "echo kept-$((6*7))"],
      ],
    );
    all = await labs.commands(id);
    const mounts = (await new Dockerode({ socketPath: engineSocket() }).getContainer(id).inspect()).Mounts;
    assert.ok(mounts.length > 0);
    for (const mount of mounts) assert.ok(!mount.Source.startsWith(dataDir), `the sandbox mounts ${mount.Source}`);
    const log = path.join(dataDir, "commands", id, "node1.log");
    assert.equal((fs.statSync(log).mode & 0o777).toString(8), "600");
  });

  test("root in the sandbox overwrites and deletes the in-sandbox log and history: the checks and the evidence are unchanged", async () => {
    await step("after");
    await run("printf '1796121240367\\tids\\t0\\tdocker ps -q\\n' >/run/dockyard/commands.log");
    await run("cat /run/dockyard/commands.log >/dev/null; rm -f /run/dockyard/commands.log ~/.bash_history");
    await run("rm -rf /run/dockyard && mkdir /run/dockyard && echo after >/run/dockyard/step");
    // and with a root shell the terminal never saw, as a process the learner started in the background could
    const tamper = await driver.exec(id, ["sh", "-c", "rm -rf /run/dockyard/commands.log /root/.bash_history && : >/run/dockyard/commands.log && echo done"]);
    assert.equal(tamper.output.trim(), "done");

    const verdict = await labs.check(id, SLUG, "ids");
    assert.equal(verdict.passed, true, verdict.message);
    const commands = await labs.commands(id);
    assert.deepEqual(summary(commands.slice(0, all.length)), summary(all), "what was recorded before is as it was");
    assert.deepEqual(
      commands.slice(all.length).map((c) => c.step),
      ["after", "after", "after"],
      "the tampering itself was recorded, under the step it was done in",
    );
    assert.deepEqual(summary(verdict.commands), summary(evidence), "the step's evidence is what it was");
  });

  test("the evidence outlives a lab-runner restart, and a suspend and resume", async () => {
    terminal.close();
    labs = labsOver(new CommandLogs(path.join(dataDir, "commands"))); // a new lab-runner over the same data directory
    assert.ok((await labs.adopt()) >= 1, "the lab is adopted");
    assert.deepEqual(summary((await labs.check(id, SLUG, "ids")).commands), summary(evidence));
    await labs.suspend(id);
    assert.equal(await labs.ensure(LEARNER, SLUG), id);
    await labs.watch(id, () => {});
    assert.deepEqual(summary((await labs.check(id, SLUG, "ids")).commands), summary(evidence));
  });

  test("the shell's reports reach neither the browser's terminal nor the recording", async () => {
    const shown = terminal.text;
    assert.match(shown, /kept-42/);
    assert.ok(!shown.includes("\x1b]6973"), "a report reached the browser");
    const cast = fs.readFileSync(recordings.file(id, "node1")!, "utf8");
    assert.match(cast, /kept-42/);
    assert.ok(!cast.includes("\\u001b]6973"), "a report reached the recording");
  });
});
