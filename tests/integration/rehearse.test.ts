import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { rehearsalLabs, rehearseLesson, type LessonReport } from "../../lab-runner/src/authoring/rehearse";
import { stepLines } from "../../lab-runner/src/authoring/rehearse-report";

// lessons:test must be able to fail: deliberately broken lessons in a temporary content directory, rehearsed
// in real sandboxes, are reported step by step as failures, and their sandboxes are removed.
// Prerequisites: `bash scripts/engine.sh start` and `bash scripts/images.sh`.

const FRONT = (slug: string, images = "[busybox]") => `---\ntitle: ${slug}\nsummary: S\norder: 1\nminutes: 5\nimages: ${images}\n---\n\n`;
const step = (id: string, body: string) => `<Step id="${id}" title="${id}">\n\n${body}\n\n</Step>\n\n`;
const block = (lang: string, text: string) => "```" + lang + "\n" + text + "\n```\n\n";

const WRONG_PASSES = step(
  "wrong-passes",
  block("sh run", "docker run busybox echo hi") +
    block("check", "kind: container\nimage: busybox\nlogsContain: hi") +
    block("sh wrong", "docker run busybox echo hi there"),
);
const LESSONS = {
  "rehearse-broken": [
    step("passes-early", block("sh run", "true") + block("check", 'kind: script\nscript: "true"')),
    WRONG_PASSES,
    step("never-passes", block("sh run", "touch other.txt") + block("check", "kind: file\npath: wanted.txt")),
    step("hangs", block("sh run", "sleep 600") + block("check", "kind: file\npath: never.txt")),
    step("unclosed", block("sh run", 'echo "no end') + block("check", "kind: file\npath: never.txt")),
    step(
      "heredoc",
      block("sh run", "cat > notes.txt <<'EOF'\nfirst line\nsecond line\nEOF\necho written") +
        block("check", "kind: file\npath: notes.txt\ncontains: second line") +
        block("sh wrong", "echo first line > notes.txt"),
    ),
    step("quiz", '<Quiz question="Which is a container?">\n<Option>An image</Option>\n<Option correct>A running process</Option>\n</Quiz>'),
  ].join(""),
  "rehearse-wrong-passes": WRONG_PASSES,
  "rehearse-no-image": step("x", block("sh run", "true") + block("check", 'kind: script\nscript: "true"')),
};

let content: string;
const driver = new DockerSandboxDriver();
const sandboxesOf = async (slug: string) => (await driver.list()).filter((s) => s.lessonSlug === slug);

before(() => {
  content = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-rehearse-"));
  for (const [slug, steps] of Object.entries(LESSONS)) {
    fs.mkdirSync(path.join(content, "lessons", slug), { recursive: true });
    fs.writeFileSync(path.join(content, "lessons", slug, "lesson.mdx"), FRONT(slug, slug === "rehearse-no-image" ? "[no-such-image]" : "[busybox]") + steps);
  }
});
after(() => fs.rmSync(content, { recursive: true, force: true }));

describe("lesson rehearsal", { timeout: 300_000 }, () => {
  let report: LessonReport;
  const stepOf = (id: string) => report.steps.find((s) => s.id === id)!;

  before(async () => {
    report = await rehearseLesson(rehearsalLabs(content), "rehearse-broken", { commandTimeoutMs: 3_000, passWithinMs: 1_500, wrongWatchMs: 1_000 });
    for (const s of report.steps) console.log([`# ${s.id}`, ...stepLines(s)].join("\n# "));
  });

  test("the lesson fails, every step is reported, and its sandbox is removed", async () => {
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.steps.map((s) => [s.id, s.ok]),
      [
        ["passes-early", false],
        ["wrong-passes", false],
        ["never-passes", false],
        ["hangs", false],
        ["unclosed", false],
        ["heredoc", true],
        ["quiz", true],
      ],
    );
    assert.deepEqual(await sandboxesOf("rehearse-broken"), []);
  });

  test("a check that passes before its step is a failure", () => {
    const [beforeStep] = stepOf("passes-early").attempts;
    assert.deepEqual([beforeStep!.phase, beforeStep!.passed, beforeStep!.ok], ["before", true, false]);
    assert.match(stepLines(stepOf("passes-early"))[0]!, /✖ before the step: passes already before the step/);
  });

  test("a known-wrong answer that passes is a failure", () => {
    const wrong = stepOf("wrong-passes").attempts.find((a) => a.phase === "wrong")!;
    assert.deepEqual([wrong.answer, wrong.passed, wrong.ok, wrong.typed?.exitCode], ["docker run busybox echo hi there", true, false, 0]);
    assert.match(wrong.typed!.output, /hi there/);
  });

  test("a solution after which the checks still fail is a failure, with the check's message", () => {
    const solution = stepOf("never-passes").attempts.find((a) => a.phase === "solution")!;
    assert.equal(solution.ok, false);
    assert.ok(solution.tries > 1, "the check is polled before giving up");
    assert.match(solution.message, /wanted\.txt/);
  });

  test("a command that hangs is interrupted and reported; the shell carries on", () => {
    assert.match(stepOf("hangs").error!, /`sleep 600` did not finish within 3 s \(interrupted with Ctrl-C\)/);
    assert.match(stepOf("unclosed").error!, /the shell still waits for more input/);
  });

  test("a multi-line block runs as one, its wrong answer is refused and its check passes", () => {
    const heredoc = stepOf("heredoc");
    assert.deepEqual(
      heredoc.attempts.map((a) => [a.phase, a.passed]),
      [
        ["before", false],
        ["wrong", false],
        ["solution", true],
      ],
    );
    assert.match(heredoc.solution[0]!.output, /written/);
    assert.equal(heredoc.solution[0]!.exitCode, 0);
  });

  test("a quiz accepts its right answer and refuses the wrong ones", () => {
    assert.deepEqual(
      stepOf("quiz").attempts.map((a) => [a.answer, a.expected, a.ok]),
      [
        ["“A running process”", "pass", true],
        ["“An image”", "fail", true],
        ["“A running process” + “An image”", "fail", true],
      ],
    );
  });

  test("a sandbox that cannot boot is reported and removed", async () => {
    const failed = await rehearseLesson(rehearsalLabs(content), "rehearse-no-image");
    assert.equal(failed.ok, false);
    assert.match(failed.error!, /the sandbox did not start: .*no-such-image/);
    assert.deepEqual(await sandboxesOf("rehearse-no-image"), []);
  });

  test("npm run lessons:test exits non-zero and counts the failures", () => {
    // Without NODE_TEST_CONTEXT, which would make the inner test runner talk to ours instead of reporting.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const run = spawnSync("npm", ["run", "-s", "lessons:test", "--", "rehearse-wrong-passes"], {
      env: { ...env, DOCKYARD_CONTENT_DIR: content },
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.notEqual(run.status, 0, run.stdout.slice(-3000) + run.stderr.slice(-3000));
    assert.match(run.stdout, /✖ step wrong-passes: wrong-passes/);
    assert.match(run.stdout, /^ℹ pass 0$/m);
    assert.match(run.stdout, /^ℹ fail 2$/m);
    assert.match(run.stdout, /lessons:test summary\n✖ rehearse-wrong-passes/);
  });
});
