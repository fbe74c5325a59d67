import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LessonError } from "@dockyard/contract/server";
import { lessonReader } from "../../lab-runner/src/lessons";

const lessonText = (title: string) =>
  `---\ntitle: ${title}\nsummary: S\norder: 1\nminutes: 5\nimages: [busybox]\n---\n` +
  '<Step id="one" title="First">\n\n```check\nkind: container\nimage: busybox\n```\n\n</Step>\n';

function contentWith(text: string): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-lessons-"));
  fs.mkdirSync(path.join(dir, "lessons", "demo"), { recursive: true });
  const file = path.join(dir, "lessons", "demo", "lesson.mdx");
  fs.writeFileSync(file, text);
  return { dir, file };
}

test("a lesson is parsed once while its file is unchanged, and again once it is edited", () => {
  const { dir, file } = contentWith(lessonText("First title"));
  const read = lessonReader(dir);
  const first = read("demo");
  assert.equal(first?.title, "First title");
  assert.equal(read("demo"), first, "the same parse is handed out again");
  fs.writeFileSync(file, lessonText("Edited"));
  assert.equal(read("demo")?.title, "Edited");
});

test("a missing lesson, a removed one and a made-up slug are undefined; a broken one throws every time", () => {
  const { dir, file } = contentWith(lessonText("T"));
  const read = lessonReader(dir);
  assert.equal(read("other"), undefined);
  assert.equal(read("../demo"), undefined);
  assert.ok(read("demo"));
  fs.writeFileSync(file, "---\ntitle: [\n---\n");
  assert.throws(() => read("demo"), LessonError);
  assert.throws(() => read("demo"), LessonError);
  fs.rmSync(file);
  assert.equal(read("demo"), undefined);
});
