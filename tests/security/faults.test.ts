import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Dockerode from "dockerode";
import { Stack } from "../support/stack";
import { TerminalClient } from "../support/terminal-client";
import { labClient } from "../support/lab-client";
import { contentDir, engineSocket, stateDir, findLesson, type ServerMessage } from "@dockyard/contract/server";

// Faults against the real stack: the lab-runner, the site and Dockyard's dockerd killed outright (SIGKILL) at bad
// moments. Sandboxes are found again, terminals reattach, nothing recorded is lost or doubled, the learner is told
// what happened, and no sandbox, network or disk is left behind.

const stack = new Stack({ name: "faults-it", sitePort: 3250, runnerPort: 3251 });
const engine = new Dockerode({ socketPath: engineSocket() });
const run = `faults-${process.pid}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const lab = (lesson: string, n = 0) => labClient(stack, `${run}-${n}`, lesson);

const LABS = [0, 1, 2].flatMap((n) => ["first-container", "volumes"].map((lesson) => lab(lesson, n)));

/** What is left of this file's labs: containers and networks on the engine, disks on the host. */
async function leftovers(): Promise<string[]> {
  const ids = LABS.map((l) => l.sandbox);
  const containers = (await engine.listContainers({ all: true, filters: { label: ["dockyard.lab"] } })).filter((c) => ids.includes(c.Labels["dockyard.lab"]!));
  const networks = (await engine.listNetworks()).filter((n) => ids.some((id) => n.Name === `${id}-net`));
  const disks = fs.readdirSync(path.join(stateDir(), "disks")).filter((d) => ids.some((id) => d === id || d.startsWith(`${id}-`)));
  return [...containers.map((c) => `container ${c.Names[0]}`), ...networks.map((n) => `network ${n.Name}`), ...disks.map((d) => `disk ${d}`)];
}

const notice = (t: TerminalClient, code: string) => t.messages.some((m: ServerMessage) => m.type === "notice" && m.code === code);

describe("faults: services and the engine killed at bad moments", { timeout: 900_000 }, () => {
  before(async () => {
    await stack.reset();
    await stack.start();
  });
  after(async () => {
    execFileSync("bash", ["scripts/engine.sh", "start"], { stdio: "ignore" }); // whatever a failed test left
    for (const l of LABS) await l.remove().catch(() => undefined);
    await stack.stop();
  });

  test("the lab-runner killed mid-session comes back: the sandbox is found by its labels and the terminal reattaches to it", async () => {
    const l = lab("first-container");
    const t = l.terminal();
    await t.ready();
    t.type("echo kept > /root/kept; sleep 10000 & echo started-$!\r");
    await t.waitForText(/started-\d+/);
    await stack.crash("runner");
    await t.waitForClose();
    await stack.startRunner();
    const again = l.terminal();
    await again.ready();
    assert.deepEqual(
      again.messages.filter((m) => m.type === "stage"),
      [],
      "adopted, not booted again",
    );
    again.type("cat /root/kept; pgrep -c -f 'sleep 10000'\r");
    await again.waitForText(/kept\r\n1\r\n/);
    again.close();
  });

  test("the lab-runner killed while a lab boots: the next start gives a working lab, and nothing half made is left", async () => {
    const l = lab("volumes", 1);
    assert.equal((await l.start()).status, 202);
    await sleep(400); // mid-boot: its network and container exist, its engine is starting
    await stack.crash("runner");
    await stack.startRunner();
    const t = l.terminal();
    await t.ready();
    t.type("docker run --rm busybox echo booted-fine\r");
    await t.waitForText("booted-fine");
    t.close();
    const nodes = await engine.listContainers({ all: true, filters: { label: [`dockyard.lab=${l.sandbox}`] } });
    assert.equal(nodes.length, 1, `one node, not a half-made one beside it: ${nodes.map((n) => `${n.Names[0]} ${n.State}`).join(", ")}`);
  });

  test("the site killed while progress is written: every answered attempt is kept once, the step is completed once, the session lives on", async () => {
    const lesson = findLesson(contentDir(), "docker-architecture")!;
    const step = lesson.steps.find((s) => s.quiz)!;
    const url = `${stack.siteUrl}/api/lessons/${lesson.slug}/steps/${step.id}/quiz`;
    const first = await fetch(url, { method: "POST", body: JSON.stringify({ choices: step.quiz!.correct }) });
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    const post = () =>
      fetch(url, { method: "POST", headers: { cookie }, body: JSON.stringify({ choices: step.quiz!.correct }) }).then(
        (r) => r.status,
        () => 0,
      );
    const answers = Array.from({ length: 60 }, (_, i) => sleep(i * 10).then(post));
    await sleep(250);
    await stack.crash("site");
    const statuses = await Promise.all(answers);
    const answered = statuses.filter((s) => s === 200).length + 1;
    assert.ok(
      statuses.some((s) => s !== 200),
      "the crash cut some requests off",
    );
    await stack.startSite();

    process.env.DATABASE_URL = `file:${path.join(stack.dataDir, "dockyard.db")}`; // the site's own data access, on its database
    const { db } = await import("../../app/_lib/db");
    const where = { lessonSlug: lesson.slug, stepId: step.id };
    const [attempts, completions] = await Promise.all([db.checkAttempt.count({ where }), db.stepCompletion.count({ where })]);
    console.log(`# site killed during ${statuses.length + 1} answers | ${answered} answered, ${attempts} attempts recorded, ${completions} completion`);
    assert.ok(attempts >= answered && attempts <= statuses.length + 1, `${attempts} attempts recorded, ${answered} answered, ${statuses.length + 1} sent`);
    assert.equal(completions, 1, "completed once");
    const page = await (await fetch(`${stack.siteUrl}/lessons/${lesson.slug}`, { headers: { cookie } })).text();
    assert.match(page, new RegExp(`data-testid="quiz-${step.id}" data-check-status="passed"`), "the same session still sees its progress");
  });

  test("Dockyard's dockerd killed: the learner is told, the lab survives it, and when it is back the shell returns to the lab as it was", async () => {
    const l = lab("first-container", 2);
    const t = l.terminal();
    await t.ready();
    t.type("echo before-the-crash > /root/note\r");
    await sleep(500);
    const pid = fs.readFileSync(path.join(stateDir(), "engine", "dockerd.pid"), "utf8").trim();
    process.kill(Number(pid), "SIGKILL");
    await t.until(() => notice(t, "engine_down"), 20_000, "the engine_down notice");
    const meanwhile = await lab("volumes", 2).start();
    assert.equal(meanwhile.status, 503);
    assert.match((await meanwhile.json()).message, /engine is not answering.*nothing you did is lost/);
    const refused = lab("volumes", 2).terminal();
    await refused.waitForClose(30_000);
    assert.match(refused.closed!.reason, /engine is not answering/);

    execFileSync("bash", ["scripts/engine.sh", "start"], { stdio: "ignore" });
    await t.until(() => notice(t, "engine_back"), 20_000, "the engine_back notice");
    t.type("\r");
    await sleep(1000);
    t.clearText();
    t.type("cat /root/note\r");
    await t.waitForText(/\rbefore-the-crash\r\n/); // the output of cat, not the command line
    t.close();
  });

  test("no sandbox, network or disk is left after these labs are removed", async () => {
    for (const l of LABS) await l.remove();
    assert.deepEqual(await leftovers(), []);
  });
});
