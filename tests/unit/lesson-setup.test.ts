import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BOOT_STAGES, parseLesson, LessonError, readSetupFailure, setupFailure, shownStages } from "@dockyard/contract/server";
import { lintContent } from "../../lab-runner/src/authoring/lint";

// The authoring side of lesson setup: ```sh setup blocks (lesson and step level) and frontmatter files:, as the
// parser reads them and lessons:lint judges them.

const front = (extra = "") => `---\ntitle: T\nsummary: S\norder: 1\nminutes: 5\n${extra}---\n\n`;
const step = (id: string, body = "") => `<Step id="${id}" title="${id}">\n\n${body}\`\`\`sh run\necho hi\n\`\`\`\n\n</Step>\n\n`;
const setup = (script: string, meta = "") => `\`\`\`sh setup${meta ? " " + meta : ""}\n${script}\n\`\`\`\n\n`;

const parse = (source: string) => parseLesson(source, "lesson.mdx", "demo");
function errorOf(source: string): string {
  try {
    parse(source);
  } catch (e) {
    assert.ok(e instanceof LessonError);
    return `${e.line}: ${e.detail}`;
  }
  assert.fail("expected a LessonError");
}

describe("parsing setup blocks", () => {
  test("blocks before the first step are the lesson's, blocks inside a step are that step's, with their node and timeout", () => {
    const source =
      front("nodes: 2\n") +
      "Intro\n\n" +
      setup("docker run -d --name web nginx") +
      setup("touch /tmp/ready", "node=node2 timeout=30") +
      step("fix", setup("docker stop web")) +
      step("plain");
    const lesson = parse(source);
    assert.deepEqual(lesson.setup, [
      { id: "lesson-1", node: "node1", timeout: 120, script: "docker run -d --name web nginx", line: 11 },
      { id: "lesson-2", node: "node2", timeout: 30, script: "touch /tmp/ready", line: 15 },
    ]);
    assert.deepEqual(lesson.steps[0]!.setup, [{ id: "step-fix-1", node: "node1", timeout: 120, script: "docker stop web", line: 21 }]);
    assert.equal(lesson.steps[1]!.setup, undefined, "a step without setup has none");
    assert.deepEqual(lesson.steps[0]!.commands, ["echo hi"], "a setup block is never a command of the step");
    assert.deepEqual(lesson.steps[0]!.solution, ["echo hi"]);
  });

  test("a lesson without setup or files has neither", () => {
    const lesson = parse(front() + step("one"));
    assert.equal(lesson.setup, undefined);
    assert.equal(lesson.files, undefined);
  });

  test("a setup block names a node of the lab, a timeout in range and no other option", () => {
    assert.equal(
      errorOf(front() + setup("true", "node=node2") + step("one")),
      "8: setup block: node=node2 is not a node of this lab (it has node1; see frontmatter nodes)",
    );
    assert.equal(errorOf(front() + setup("true", "timeout=0") + step("one")), "8: setup block: timeout=0 must be a whole number of seconds from 1 to 1800");
    assert.equal(
      errorOf(front() + setup("true", "timeout=1801") + step("one")),
      "8: setup block: timeout=1801 must be a whole number of seconds from 1 to 1800",
    );
    assert.equal(errorOf(front() + setup("true", "timeout=2m") + step("one")), "8: setup block: timeout=2m must be a whole number of seconds from 1 to 1800");
    assert.equal(
      errorOf(front() + setup("true", "nodes=node1") + step("one")),
      "8: setup block: unknown option “nodes=node1” (a setup block takes node=<node> and timeout=<seconds>)",
    );
    assert.equal(errorOf(front() + setup("") + step("one")), "8: setup block is empty");
    assert.equal(parse(front() + setup("true", "timeout=1800") + step("one")).setup![0]!.timeout, 1800);
  });

  test("a setup block outside every step comes before the first one, and never inside a hint or solution", () => {
    assert.match(errorOf(front() + step("one") + setup("true")), /^16: a setup block outside a <Step> must come before the first <Step>/);
    assert.equal(
      errorOf(front() + step("one", `<Solution>\n\n${setup("true")}</Solution>\n\n`)),
      "12: a setup block belongs directly in a <Step>, not inside its <Solution>",
    );
  });
});

describe("parsing frontmatter files", () => {
  test("targets are made absolute (relative ones under /root, a folder keeps the file's name) on the node given, node1 by default", () => {
    const lesson = parse(
      front(
        'nodes: 2\nfiles:\n  - { source: files/app.py, target: /opt/app/app.py, mode: "0755" }\n  - { source: files/conf.txt, target: conf/, node: node2 }\n  - { source: ./files/x, target: notes.txt }\n',
      ) + step("one"),
    );
    assert.deepEqual(lesson.files, [
      { source: "files/app.py", target: "/opt/app/app.py", node: "node1", mode: "0755" },
      { source: "files/conf.txt", target: "/root/conf/conf.txt", node: "node2" },
      { source: "files/x", target: "/root/notes.txt", node: "node1" },
    ]);
  });

  test("sources stay in the lesson's folder, targets have no .., modes are octal and nodes exist", () => {
    assert.match(errorOf(front("files:\n  - { source: ../secret, target: x }\n") + step("one")), /files\.0\.source: must be a path inside the lesson's folder/);
    assert.match(
      errorOf(front("files:\n  - { source: /etc/passwd, target: x }\n") + step("one")),
      /files\.0\.source: must be a path inside the lesson's folder/,
    );
    assert.match(errorOf(front("files:\n  - { source: a, target: ../../etc/x }\n") + step("one")), /files\.0\.target: must be a path on the node without \.\./);
    assert.match(errorOf(front('files:\n  - { source: a, target: x, mode: "rwx" }\n') + step("one")), /files\.0\.mode: must be octal permissions/);
    assert.match(errorOf(front("files:\n  - { source: a, target: x, node: node3 }\n") + step("one")), /files: a: node node3 is not a node of this lab/);
    assert.match(errorOf(front("files:\n  - { source: a, target: x, owner: me }\n") + step("one")), /Unrecognized key/);
  });
});

describe("lessons:lint on setup", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  function lint(source: string, files: Record<string, string> = {}): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-setup-lint-"));
    dirs.push(dir);
    const folder = path.join(dir, "lessons", "demo");
    for (const [name, text] of Object.entries({ "lesson.mdx": source, ...files })) {
      fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
      fs.writeFileSync(path.join(folder, name), text);
    }
    return lintContent(dir)
      .filter((p) => p.severity === "error")
      .map((p) => `${p.line}: ${p.message}`);
  }

  test("a setup script bash cannot parse is an error at its block, at lesson and step level", () => {
    const source = front() + setup("if true; then echo") + step("one", setup("echo 'unclosed"));
    const problems = lint(source);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^8: setup block: bash cannot parse it: line \d+: syntax error/);
    assert.match(problems[1]!, /^14: setup block: bash cannot parse it: line \d+: unexpected EOF/);
    assert.deepEqual(lint(front() + setup("if true; then echo; fi") + step("one", setup("echo 'closed'"))), []);
  });

  test("a lesson file must exist in the lesson's folder", () => {
    const source = front("files:\n  - { source: files/app.py, target: app.py }\n") + step("one");
    assert.deepEqual(lint(source), ["7: lesson file “files/app.py”: no file files/app.py in the lesson's folder"]);
    assert.deepEqual(lint(source, { "files/app.py": "print('hi')\n" }), []);
  });

  test("a lesson file that is a link out of the lesson's folder is an error", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-setup-out-"));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, "secret"), "x");
    const source = front("files:\n  - { source: files/link, target: x }\n") + step("one");
    const lessonDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-setup-lint-"));
    dirs.push(lessonDir);
    const folder = path.join(lessonDir, "lessons", "demo");
    fs.mkdirSync(path.join(folder, "files"), { recursive: true });
    fs.writeFileSync(path.join(folder, "lesson.mdx"), source);
    fs.symlinkSync(path.join(dir, "secret"), path.join(folder, "files", "link"));
    assert.deepEqual(
      lintContent(lessonDir)
        .filter((p) => p.severity === "error")
        .map((p) => `${p.line}: ${p.message}`),
      ["7: lesson file “files/link”: it is a link to a file outside the lesson's folder"],
    );
  });

  test("parse errors of setup (an unknown node, a timeout out of range) are lint errors at their line", () => {
    assert.deepEqual(lint(front() + setup("true", "node=node4") + step("one")), [
      "8: setup block: node=node4 is not a node of this lab (it has node1; see frontmatter nodes)",
    ]);
  });
});

test("the page shows “Preparing your lab” as the last stage before ready, only for a lab that reached it", () => {
  assert.deepEqual(shownStages(["network", "setup"]), [...BOOT_STAGES.filter((s) => s !== "ready"), "setup", "ready"]);
  assert.deepEqual(shownStages(["network"]), [...BOOT_STAGES]);
});

test("a setup failure's message holds the summary and the output apart, and one without output just the summary", () => {
  assert.deepEqual(readSetupFailure(setupFailure("It failed.", "line 1\nline 2\n\n")), { summary: "It failed.", output: "line 1\nline 2" });
  assert.deepEqual(readSetupFailure(setupFailure("It failed.", "  \n")), { summary: "It failed.", output: "" });
});
