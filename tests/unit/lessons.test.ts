import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadLessons, parseLesson } from "../../lab-runner/src/lessons/parse";
import { LessonError } from "../../lab-runner/src/lessons/schema";

const FRONT = "---\ntitle: T\nsummary: S\norder: 1\nminutes: 5\nimages: [busybox]\n---\n";
const STEP = '<Step id="one" title="First">\n\n```sh run\ndocker run busybox echo hi\n```\n\n```check\nkind: container\nimage: busybox\nlogsContain: hi\n```\n\n</Step>\n';

function errorOf(source: string): LessonError {
  try {
    parseLesson(source, "lesson.mdx", "demo");
  } catch (e) {
    assert.ok(e instanceof LessonError);
    return e;
  }
  assert.fail("expected a LessonError");
}

test("a lesson's frontmatter, steps, checks and runnable commands are read", () => {
  const lesson = parseLesson(FRONT + "Intro\n\n" + STEP, "lesson.mdx", "demo");
  assert.equal(lesson.title, "T");
  assert.deepEqual(lesson.images, ["busybox"]);
  assert.equal(lesson.nodes, 1, "defaults apply");
  assert.deepEqual(lesson.steps, [
    { id: "one", title: "First", commands: ["docker run busybox echo hi"], checks: [{ kind: "container", image: "busybox", status: "any", logsContain: "hi" }] },
  ]);
});

test("errors name the file and line", () => {
  const missingTitle = errorOf("---\nsummary: S\norder: 1\nminutes: 5\n---\n" + STEP);
  assert.match(missingTitle.message, /^lesson\.mdx:1: invalid frontmatter: title/);
  const badCheck = errorOf(FRONT + STEP.replace("image: busybox\n", "image: busybox\ncolour: red\n"));
  assert.equal(badCheck.line, 14);
  assert.match(badCheck.message, /invalid check/);
  const unknownKind = errorOf(FRONT + STEP.replace("kind: container", "kind: teleport"));
  assert.match(unknownKind.message, /lesson\.mdx:14: invalid check/);
  const brokenYaml = errorOf(FRONT + STEP.replace("logsContain: hi", "logsContain: [unclosed"));
  assert.match(brokenYaml.message, /not valid YAML/);
  const noId = errorOf(FRONT + STEP.replace(' id="one"', ""));
  assert.match(noId.message, /lesson\.mdx:8: <Step> needs a id/);
  const dup = errorOf(FRONT + STEP + STEP);
  assert.match(dup.message, /duplicate step id "one"/);
  const syntax = errorOf(FRONT + "<Step id=\"x\" title=\"y\">\nunclosed\n");
  assert.match(syntax.message, /MDX syntax error/);
  assert.match(errorOf(FRONT + "no steps here\n").message, /at least one <Step>/);
});

test("one broken lesson is reported and never hides the others", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-lessons-"));
  for (const [slug, source] of [["good", FRONT + STEP], ["broken", "---\ntitle: [\n---\n"]] as const) {
    fs.mkdirSync(path.join(dir, "lessons", slug), { recursive: true });
    fs.writeFileSync(path.join(dir, "lessons", slug, "lesson.mdx"), source);
  }
  const { lessons, errors } = loadLessons(dir);
  fs.rmSync(dir, { recursive: true });
  assert.deepEqual(lessons.map((l) => l.slug), ["good"]);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /broken\/lesson\.mdx:1: frontmatter is not valid YAML/);
});

test("the shipped course parses without errors", () => {
  const { lessons, errors } = loadLessons(path.resolve("content"));
  assert.deepEqual(errors.map((e) => e.message), []);
  assert.ok(lessons.some((l) => l.slug === "first-container" && l.title === "Your first container"));
});
