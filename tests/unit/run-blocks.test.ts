import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLesson } from "@dockyard/contract/server";
import { lessonMarkup } from "../support/lesson-markup";
import { CommandInbox, CTRL_C, typedInput, type RunRequest } from "../../app/_components/CommandInbox";

// Run blocks that press Ctrl-C first (```sh run interrupt, Killercoda's {{exec interrupt}}): parsed as run
// blocks, rendered as such with the mark, and typed into the terminal after a Ctrl-C.

const LESSON =
  "---\ntitle: T\nsummary: S\norder: 1\nminutes: 5\n---\n\n" +
  '<Step id="one" title="One">\n\n```sh run\ndocker logs -f web\n```\n\n```sh run interrupt\ndocker stop web\n```\n\n```sh\ndocker ps\n```\n\n</Step>\n';

test("a ```sh run interrupt block is one of the step's commands", () => {
  assert.deepEqual(parseLesson(LESSON, "lesson.mdx", "demo").steps[0]!.commands, ["docker logs -f web", "docker stop web"]);
});

test("the lesson page renders it as a run button marked to interrupt; plain blocks keep their Copy button", async () => {
  const html = await lessonMarkup(LESSON);
  const runs = [...html.matchAll(/<button[^>]*data-testid="run-block"[^>]*>/g)].map((m) => m[0]);
  assert.equal(runs.length, 2);
  assert.ok(!runs[0]!.includes("data-interrupt"));
  assert.match(runs[1]!, /data-interrupt="1"/);
  assert.match(html, /■ Stop &amp; run/);
  assert.match(html, />Copy</);
});

test("the terminal types Ctrl-C, then the command; a plain run block only the command", () => {
  assert.deepEqual(typedInput({ command: "docker stop web", interrupt: true }), [CTRL_C, "docker stop web\r"]);
  assert.deepEqual(typedInput({ command: "ls" }), ["ls\r"]);
});

test("the inbox keeps run requests, interrupt and all, until the terminal takes them", () => {
  const inbox = new CommandInbox();
  const got: RunRequest[] = [];
  inbox.send({ command: "a", interrupt: true });
  const release = inbox.connect((run) => got.push(run));
  inbox.send({ command: "b" });
  release();
  inbox.send({ command: "c" });
  assert.deepEqual(got, [{ command: "a", interrupt: true }, { command: "b" }]);
});
