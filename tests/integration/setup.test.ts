import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { issueViewerToken, RECORDING_TOKEN, readSetupFailure, REFUSALS, sandboxIdFor, type ServerMessage } from "@dockyard/contract/server";
import { Stack } from "../support/stack";
import { labClient } from "../support/lab-client";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { lintContent } from "../../lab-runner/src/authoring/lint";
import { rehearsalLabs, rehearseLesson } from "../../lab-runner/src/authoring/rehearse";

// Lesson and step setup in real sandboxes, through the real lab-runner: a lesson whose setup leaves a broken
// container the learner fixes, a step's setup run once when reached and never again after the lab-runner restarts
// and adopts the lab, setups that fail with their output until their cause is fixed and then pass on Retry; none of
// it in the terminal's recording or the learner's commands. Then lessons:test on the same lessons.
// Prerequisites: `bash scripts/engine.sh start` and `bash scripts/images.sh`.

const CONTENT = path.resolve("tests/fixtures/setup-content");
const stack = new Stack({ name: "setup-it", sitePort: 3780, runnerPort: 3781, env: { DOCKYARD_CONTENT_DIR: CONTENT } });
const driver = new DockerSandboxDriver();
const labs: { learner: string; lesson: string }[] = [];
const WEB = "setup-broken-web";
const SWITCH = "setup-needs-switch";

function lab(lesson: string) {
  const learner = `setup-${process.pid}-${labs.length}`;
  labs.push({ learner, lesson });
  const client = labClient(stack, learner, lesson);
  const post = async (action: string) => {
    const res = await fetch(`${stack.runnerUrl}/sandboxes/${client.sandbox}${action}`, {
      method: "POST",
      headers: { authorization: `Bearer ${client.token}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const recording = async () => {
    const token = issueViewerToken(stack.secret, RECORDING_TOKEN, { sandbox: client.sandbox, lesson }, 300);
    const res = await fetch(`${stack.runnerUrl}/recordings/${client.sandbox}?node=node1`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return res.text();
  };
  return {
    ...client,
    prepareStep: (step: string) => post(`/setup/${step}`),
    sh: async (command: string) => (await driver.exec(client.sandbox, ["sh", "-c", command])).output,
    recording,
  };
}

const stages = (messages: ServerMessage[]) => messages.flatMap((m) => (m.type === "stage" ? [m.stage] : m.type === "ready" ? ["ready"] : []));

describe("lesson setup", { timeout: 600_000 }, () => {
  before(async () => {
    await stack.reset();
    await stack.startRunner();
  });
  after(async () => {
    await stack.stop();
    for (const { learner, lesson } of labs) await driver.remove(sandboxIdFor(learner, lesson));
  });

  test("the fixture lessons lint clean", () => {
    assert.deepEqual(lintContent(CONTENT), []);
  });

  test("the lesson's setup prepares the lab before it is ready: its files are placed and its broken container is there to fix", async () => {
    const l = lab(WEB);
    const t = l.terminal();
    try {
      await t.ready(180_000);
      assert.deepEqual(stages(t.messages).slice(-2), ["setup", "ready"], "preparing the lab is the boot's last stage");
      assert.equal(await l.sh("cat /root/site/index.html"), "<h1>Hello from the fixed web server</h1>\n");
      assert.match(await l.sh("docker inspect -f '{{.State.Status}}' web"), /^exited/);

      const before = await l.check("fix-web");
      assert.equal(before.status, 200);
      assert.equal(before.body.passed, false, "the check fails while the container is broken");
      t.send({ type: "step", step: "fix-web" });
      await new Promise((r) => setTimeout(r, 1000)); // the step is written into the node before the command runs
      t.type("docker logs web; docker rm -f web && docker run -d --name web -v /root/site:/srv busybox httpd -f -p 80 -h /srv && echo fixed-$((6*7))\r");
      await t.waitForText("fixed-42", 60_000);
      const fixed = await l.check("fix-web");
      assert.equal(fixed.body.passed, true, JSON.stringify(fixed.body));
      const commands = (fixed.body.commands as { command: string }[]).map((c) => c.command).join("\n");
      assert.match(commands, /docker rm -f web/);
      assert.doesNotMatch(commands, /--restart=no|lesson-setup-says-hidden/, "setup never counts as the learner's commands");

      assert.deepEqual(await l.prepareStep("welcome"), { status: 200, body: { prepared: "welcome" } });
      assert.equal(await l.sh("cat /root/welcome.txt"), "welcome from the step setup\n");
      t.type("cat welcome.txt\r");
      await t.waitForText("welcome from the step setup\r\n");
      const cast = await l.recording();
      assert.match(cast, /fixed-42/, "the recording holds what the learner did");
      for (const hidden of ["lesson-setup-says-hidden-1", "step-setup-says-hidden-2", "--restart=no", "step-setup-runs"])
        assert.ok(!cast.includes(hidden), `the recording holds nothing of the setup (${hidden})`);
    } finally {
      t.close();
    }
  });

  test("a step's setup runs once when the step is reached, and not again after the lab-runner restarts and adopts the lab", async () => {
    const l = lab(WEB);
    const t = l.terminal();
    await t.ready(180_000);
    t.close();
    const runs = async () => (await l.sh("cat /var/tmp/step-setup-runs 2>/dev/null | wc -l")).trim();
    assert.equal(await runs(), "0", "not before the step is reached");
    const [a, b] = await Promise.all([l.prepareStep("welcome"), l.prepareStep("welcome")]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(await runs(), "1", "two asks at once ran it once");
    assert.equal((await l.prepareStep("welcome")).status, 200);
    assert.equal((await l.check("welcome")).body.passed, false);
    assert.equal(await runs(), "1");

    await stack.stopRunner();
    await stack.startRunner();
    const again = l.terminal();
    try {
      await again.ready(60_000);
      assert.equal((await l.prepareStep("welcome")).status, 200);
      assert.equal((await l.check("welcome")).body.passed, false);
      assert.equal(await runs(), "1", "the adopted lab ran nothing again");
      assert.match(await l.sh("ls /var/lib/dockyard-disk/setup"), /^lesson-1\.[0-9a-f]{16}$/m);
      assert.equal((await l.sh("docker ps -a --filter name=^/web$ --format '{{.Names}}'")).trim(), "web", "the lesson's setup did not run again either");
    } finally {
      again.close();
    }
  });

  test("a failing lesson setup fails the boot with its output; Retry after the cause is fixed makes the lab ready", async () => {
    const l = lab(SWITCH);
    const t = l.terminal();
    await t.waitForClose(180_000);
    assert.equal(t.closed?.code, REFUSALS.setup_failed.close);
    const error = t.messages.find((m): m is Extract<ServerMessage, { type: "error" }> => m.type === "error");
    assert.equal(error?.code, "setup_failed");
    const { summary, output } = readSetupFailure(error.message);
    assert.match(summary, /^Preparing your lab failed: the setup script on node1 \(line 11 of the lesson\) ended with exit code 3\.$/);
    assert.equal(output, "looking for the lesson switch\nsetup refused: /var/tmp/lesson-switch is missing");
    assert.ok(stages(t.messages).includes("setup"));
    assert.ok(!t.messages.some((m) => m.type === "ready"), "the lab was never ready");

    await l.sh("touch /var/tmp/lesson-switch"); // the cause, fixed
    const retry = l.terminal();
    try {
      await retry.ready(60_000);
      assert.equal(await l.sh("cat /root/prepared.txt"), "prepared by the lesson setup\n");
      retry.type("echo switch-test-$((1+1))\r");
      await retry.waitForText("switch-test-2");

      const refused = await l.prepareStep("look");
      assert.equal(refused.status, REFUSALS.setup_failed.status);
      assert.equal(refused.body.error, "setup_failed");
      assert.deepEqual(readSetupFailure(String(refused.body.message)), {
        summary: "Preparing step “Look at what the setup prepared” failed: the setup script on node1 (line 19 of the lesson) ended with exit code 4.",
        output: "step setup refused: /var/tmp/step-switch is missing",
      });
      const check = await l.check("look");
      assert.equal(check.body.error, "setup_failed", "the step's check waits for its setup, which failed again");
      await l.sh("touch /var/tmp/step-switch");
      assert.equal((await l.prepareStep("look")).status, 200);
      assert.equal(await l.sh("cat /root/step.txt"), "prepared by the step setup\n");
      assert.equal((await l.check("look")).body.passed, true);
      const cast = await l.recording();
      assert.ok(!cast.includes("switch is missing") && !cast.includes("looking for the lesson switch"), "no setup output in the recording");
    } finally {
      retry.close();
    }
  });

  test("lessons:test runs the lesson's setup as the lab boots and each step's when it reaches the step; a failing one is reported with its output", async () => {
    const rehearsals = rehearsalLabs(CONTENT);
    const web = await rehearseLesson(rehearsals, WEB);
    assert.ok(web.ok, JSON.stringify(web, null, 1));
    assert.deepEqual(
      web.steps.map((s) => s.attempts.map((a) => `${a.phase}: ${a.passed}`)),
      [
        ["before: false", "solution: true"],
        ["before: false", "solution: true"],
      ],
    );

    const failing = await rehearseLesson(rehearsals, SWITCH);
    assert.equal(failing.ok, false);
    assert.match(failing.error!, /^setup failed: Preparing your lab failed: the setup script on node1 \(line 11 of the lesson\) ended with exit code 3\.$/);
    assert.equal(failing.output, "looking for the lesson switch\nsetup refused: /var/tmp/lesson-switch is missing");
    assert.deepEqual(
      (await driver.list()).filter((s) => s.learnerId.startsWith("lessons-test-") && [WEB, SWITCH].includes(s.lessonSlug)),
      [],
      "lessons:test removed its sandboxes",
    );
  });
});
