import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadLessons, parseLesson, LessonError, judgeQuiz } from "@dockyard/contract/server";

const FRONT = "---\ntitle: T\nsummary: S\norder: 1\nminutes: 5\nimages: [busybox]\n---\n";
const STEP =
  '<Step id="one" title="First">\n\n```sh run\ndocker run busybox echo hi\n```\n\n```check\nkind: container\nimage: busybox\nlogsContain: hi\n```\n\n</Step>\n';

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
    {
      id: "one",
      title: "First",
      commands: ["docker run busybox echo hi"],
      solution: ["docker run busybox echo hi"],
      wrong: [],
      hints: 0,
      checks: [{ kind: "container", image: "busybox", status: "any", logsContain: "hi" }],
    },
  ]);
});

const AUTHORED = `${FRONT}See [the first lesson](/lessons/first-container) and ![a diagram](./layers.svg).

<Step id="build" title="Build it">

\`\`\`sh
docker build -t app .
\`\`\`

<Hint>Look at the \`-t\` flag.</Hint>
<Hint>The tag is \`app\`.</Hint>

<Solution>

\`\`\`sh run
docker build -t app .
\`\`\`

</Solution>

\`\`\`sh wrong
docker build .
\`\`\`

\`\`\`sh wrong
docker build -t other .
\`\`\`

</Step>

<Step id="why" title="Why layers">

<Quiz question="What does each Dockerfile instruction add to an image?">
  <Option>A container</Option>
  <Option correct>A layer</Option>
  <Option>A volume</Option>
</Quiz>

</Step>
`;

test("hints, solutions, known-wrong answers, quizzes and links are read", () => {
  const lesson = parseLesson(AUTHORED, "lesson.mdx", "demo");
  const [build, why] = lesson.steps;
  assert.equal(build!.hints, 2);
  assert.deepEqual(build!.commands, [], "a copy-only block is not a command, and the solution's are not the step's");
  assert.deepEqual(build!.solution, ["docker build -t app ."]);
  assert.deepEqual(build!.wrong, ["docker build .", "docker build -t other ."]);
  assert.deepEqual(why!.quiz, {
    question: "What does each Dockerfile instruction add to an image?",
    options: ["A container", "A layer", "A volume"],
    correct: [1],
  });
  assert.deepEqual(
    lesson.links.map((l) => l.url),
    ["/lessons/first-container", "./layers.svg"],
  );
});

test("a multi-node lab: steps run on the node they name, checks judge the node they name, the registry is asked for", () => {
  const front = FRONT.replace("images: [busybox]", "images: [busybox]\nnodes: 3\nregistry: true");
  const join =
    '<Step id="join" title="Join" node="node2">\n\n```sh run\ndocker swarm join node1:2377\n```\n\n```check\n- kind: script\n  script: docker info\n  node: node2\n- kind: registry\n  repository: registry:5000/app\n  tag: v1\n```\n\n</Step>\n';
  const lesson = parseLesson(front + STEP + join, "lesson.mdx", "demo");
  assert.equal(lesson.nodes, 3);
  assert.equal(lesson.registry, true);
  const [one, two] = lesson.steps;
  assert.equal(one!.node, undefined, "node1 unless the step says otherwise");
  assert.equal(two!.node, "node2");
  assert.deepEqual(two!.checks, [
    { kind: "script", script: "docker info", node: "node2", timeoutSeconds: 15 },
    { kind: "registry", repository: "app", tag: "v1", exists: true },
  ]);
  assert.equal(parseLesson(FRONT + STEP, "lesson.mdx", "demo").registry, false);
  assert.match(
    errorOf(front + join.replace('node="node2"', 'node="node4"')).message,
    /:\d+: step "join": node="node4" is not a node of this lab \(it has node1, node2, node3; see frontmatter nodes\)/,
  );
  assert.match(errorOf(front + join.replace("node: node2", "node: node5")).message, /:\d+: invalid check: node: node5 is not a node of this lab/);
  assert.match(errorOf(FRONT + join.replace(' node="node2"', "").replace("  node: node2\n", "")).message, /a registry check needs `registry: true`/);
  assert.match(errorOf(front + join.replace("node: node2", "node: server")).message, /invalid check: .*node: must be a node name like node2/);
  assert.match(errorOf(front + join.replace("tag: v1", "tag: v1\n  node: node2")).message, /invalid check/, "the registry is the lab's, not a node's");
});

test("unknown components, misplaced components, scripts and bad quizzes are errors with a line", () => {
  assert.match(errorOf(FRONT + STEP + '<Video src="x" />\n').message, /lesson\.mdx:\d+: unknown component <Video>/);
  assert.match(errorOf(FRONT + STEP + "<Hint>outside</Hint>\n").message, /<Hint> belongs inside a <Step>/);
  assert.match(errorOf(FRONT + STEP.replace("</Step>", "<Option>x</Option>\n</Step>")).message, /<Option> belongs inside a <Quiz>/);
  assert.match(errorOf(FRONT + STEP.replace("</Step>", '<Step id="two" title="t">x</Step>\n</Step>')).message, /<Step> cannot be inside a <Step>/);
  assert.match(errorOf(FRONT + 'import fs from "node:fs"\n\n' + STEP).message, /:8: imports and exports are not allowed/);
  assert.match(errorOf(FRONT + STEP + "\n{process.exit(1)}\n").message, /:\d+: JavaScript expressions/);
  assert.match(errorOf(FRONT + STEP.replace('title="First"', "title={1}")).message, /attributes must be plain text/);
  const quiz = (options: string) => FRONT + `<Step id="q" title="Q">\n\n<Quiz question="?">\n${options}\n</Quiz>\n\n</Step>\n`;
  assert.match(errorOf(quiz("<Option>a</Option>\n<Option>b</Option>")).message, /<Option correct>/);
  assert.match(errorOf(quiz("<Option correct>a</Option>")).message, /at least two/);
  assert.match(errorOf(FRONT + STEP.replace("</Step>", "<Solution>no commands</Solution>\n</Step>")).message, /<Solution> has no shell block/);
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
  const syntax = errorOf(FRONT + '<Step id="x" title="y">\nunclosed\n');
  assert.match(syntax.message, /MDX syntax error/);
  assert.match(errorOf(FRONT + "no steps here\n").message, /at least one <Step>/);
});

test("one broken lesson is reported and never hides the others", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-lessons-"));
  for (const [slug, source] of [
    ["good", FRONT + STEP],
    ["broken", "---\ntitle: [\n---\n"],
  ] as const) {
    fs.mkdirSync(path.join(dir, "lessons", slug), { recursive: true });
    fs.writeFileSync(path.join(dir, "lessons", slug, "lesson.mdx"), source);
  }
  const { lessons, errors } = loadLessons(dir);
  fs.rmSync(dir, { recursive: true });
  assert.deepEqual(
    lessons.map((l) => l.slug),
    ["good"],
  );
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /broken\/lesson\.mdx:1: frontmatter is not valid YAML/);
});

test("the shipped course parses without errors, and every hands-on step lists at least two known-wrong answers", () => {
  const { lessons, errors } = loadLessons(path.resolve("content"));
  assert.deepEqual(
    errors.map((e) => e.message),
    [],
  );
  const thin = lessons.flatMap((l) => l.steps.filter((s) => s.checks.length && s.wrong.length < 2).map((s) => `${l.slug}/${s.id}: ${s.wrong.length}`));
  assert.deepEqual(thin, []);
  assert.ok(lessons.some((l) => l.slug === "first-container" && l.title === "Your first container"));
});

test("a quiz passes only with every right option and no wrong one", () => {
  const quiz = { question: "?", options: ["a", "b", "c"], correct: [0, 2] };
  assert.equal(judgeQuiz(quiz, [0, 2]).passed, true);
  assert.match(judgeQuiz(quiz, [0]).message, /one more answer is right/);
  assert.match(judgeQuiz(quiz, [0, 1, 2]).message, /one choice is not right/);
  assert.match(judgeQuiz(quiz, []).message, /Choose an answer/);
  assert.equal(judgeQuiz({ ...quiz, correct: [1] }, [1, 1]).passed, true);
});
