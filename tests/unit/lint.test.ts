import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { lintContent, type LintProblem } from "../../lab-runner/src/authoring/lint";
import { imagesCreatedBy } from "../../lab-runner/src/authoring/image-refs";

// Each rule of lessons:lint against a temporary content directory: once broken, once fine.

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const front = (extra = "", order = 1) => `---\ntitle: T\nsummary: S\norder: ${order}\nminutes: 5\n${extra}---\n\n`;
const STEP =
  '<Step id="one" title="One">\n\n```sh run\ndocker run busybox echo hi\n```\n\n```check\nkind: container\nimage: busybox\nlogsContain: hi\n```\n\n</Step>\n';

/** A content directory with these lessons (slug → lesson.mdx, or path → file for assets) and course images. */
function content(lessons: Record<string, string>, images = ["busybox"]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-lint-"));
  dirs.push(dir);
  for (const image of images) fs.mkdirSync(path.join(dir, "images", image), { recursive: true });
  for (const [name, text] of Object.entries(lessons)) {
    const file = path.join(dir, "lessons", name.includes("/") ? name : path.join(name, "lesson.mdx"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

const lint = (lessons: Record<string, string>, images?: string[]) => {
  const dir = content(lessons, images);
  return lintContent(dir).map((p) => ({ ...p, file: path.relative(dir, p.file) }));
};
const messages = (problems: LintProblem[]) => problems.map((p) => `${p.file}:${p.line}: ${p.severity}: ${p.message}`);

test("a sound lesson has no problems", () => {
  assert.deepEqual(messages(lint({ demo: front("images: [busybox]\n") + STEP })), []);
});

test("parse errors are reported with their file and line, and never hide other lessons' problems", () => {
  const problems = lint({ broken: front() + STEP + '<Video src="x" />\n', other: front("images: [nope]\n", 2) + STEP });
  assert.deepEqual(
    problems.map((p) => [p.file, p.line, p.severity]),
    [
      ["lessons/broken/lesson.mdx", 21, "error"],
      ["lessons/other/lesson.mdx", 6, "error"],
      ["lessons/other/lesson.mdx", 17, "error"],
    ],
  );
  assert.match(problems[0]!.message, /unknown component <Video>/);
});

test("an empty content directory is an error", () => {
  assert.match(messages(lintContent(content({}, [])))[0]!, /no lessons found/);
});

test("frontmatter images must be available on this installation: under content/images, loaded from a bundle, or through a mirror", () => {
  const source = front("images:\n  - busybox\n  - hello-world\n") + STEP;
  assert.deepEqual(messages(lint({ demo: source }, ["busybox"])), [
    "lessons/demo/lesson.mdx:8: error: image “hello-world” is not available on this installation: no folder content/images/hello-world/ builds it, no bundle loaded it (scripts/images.sh load), and no registry mirror is configured (DOCKYARD_REGISTRY_MIRROR_UPSTREAM)",
  ]);
  assert.deepEqual(messages(lint({ demo: source }, ["busybox", "hello-world"])), []);
  const dir = content({ demo: source }, ["busybox"]);
  assert.deepEqual(lintContent(dir, { loaded: (image) => image === "hello-world", mirror: false }), [], "loaded from a bundle");
  assert.deepEqual(lintContent(dir, { loaded: () => false, mirror: true }), [], "pulled through the registry mirror");
  assert.equal(lintContent(dir, { loaded: (image) => image === "redis", mirror: false }).length, 1, "another image loaded");
});

describe("checks name only images the lesson loads or creates", () => {
  const step = (commands: string, check: string) =>
    `<Step id="s" title="S">\n\n\`\`\`sh run\n${commands}\n\`\`\`\n\n\`\`\`check\n${check}\n\`\`\`\n\n</Step>\n`;

  test("an image that is neither loaded nor created is an error at its line", () => {
    const problems = lint({ demo: front("images: [busybox]\n") + step("docker run busybox echo hi", "kind: container\nimage: app\nlogsContain: hi") });
    assert.deepEqual(messages(problems), [
      "lessons/demo/lesson.mdx:17: error: step “s” checks the image “app”, which the lesson neither loads (frontmatter images) nor creates by this step (docker build -t, tag, commit, pull)",
    ]);
    const imageCheck = lint({ demo: front("images: [busybox]\n") + step("docker build .", "kind: image\nname: app\nsmallerThan: {image: busybox}") });
    assert.deepEqual(
      imageCheck.map((p) => [p.line, p.message.slice(0, 40)]),
      [[17, "step “s” checks the image “app:latest”, "]],
    );
  });

  test("loaded, built, tagged, committed or pulled images are fine, in this step or an earlier one", () => {
    for (const [commands, image] of [
      ["docker build -t app .", "app"],
      ["docker build --tag=app:1 .", "app:1"],
      ["docker tag busybox mybox", "mybox:latest"],
      ["docker commit -m 'snapshot' c1 snap", "snap"],
      ["docker image pull registry.local:5000/app", "registry.local:5000/app"],
    ])
      assert.deepEqual(messages(lint({ demo: front("images: [busybox]\n") + step(commands!, `kind: container\nimage: ${image}`) })), [], commands);
    const later =
      front("images: [busybox]\n") +
      step("echo first", "kind: image\nname: app").replace('id="s"', 'id="a"') +
      step("docker build -t app .", "kind: image\nname: app");
    assert.deepEqual(
      lint({ demo: later }).map((p) => p.message.slice(0, 30)),
      ["step “a” checks the image “app"],
    );
  });

  test("the command reader finds image names, not look-alikes", () => {
    assert.deepEqual(imagesCreatedBy(["docker build -t a -tb --tag c .", "cd x && sudo docker buildx build -t d .", 'docker -H unix:///s tag busybox "e:1"']), [
      "a",
      "b",
      "c",
      "d",
      "e:1",
    ]);
    assert.deepEqual(imagesCreatedBy(["echo docker tag a b", "docker run busybox", "docker build ."]), []);
  });
});

test("prerequisites must be lessons (even broken ones: their own error says why)", () => {
  const source = front("images: [busybox]\nprerequisites: [first, missing]\n") + STEP;
  assert.deepEqual(
    messages(lint({ demo: source, first: "not a lesson" })).filter((m) => m.includes("demo")),
    ["lessons/demo/lesson.mdx:7: error: prerequisite “missing” is not a lesson"],
  );
});

test("two lessons with the same order are both reported", () => {
  const problems = lint({ a: front("images: [busybox]\n", 3) + STEP, b: front("images: [busybox]\n", 3) + STEP, c: front("images: [busybox]\n", 4) + STEP });
  assert.deepEqual(messages(problems), [
    "lessons/a/lesson.mdx:4: error: order 3 is also the order of b",
    "lessons/b/lesson.mdx:4: error: order 3 is also the order of a",
  ]);
});

describe("links", () => {
  const withLinks = (links: string) => front("images: [busybox]\n") + links + "\n\n" + STEP;
  const other = front("images: [busybox]\n", 2) + STEP.replace('id="one"', 'id="two"');

  test("broken lesson links, anchors and assets are errors at their line", () => {
    const problems = lint({
      demo: withLinks(
        "[a](/lessons/nope) [b](/lessons/other#step-one) [c](#step-missing) [d](#intro)\n" +
          "![e](./missing.png) [f](../other/diagram.svg) [g](/lessons/other/assets/none.svg) [h](lesson.mdx) [i](/lessons/other/extra)",
      ),
      other,
      "other/diagram.svg": "<svg/>",
    });
    assert.deepEqual(messages(problems), [
      "lessons/demo/lesson.mdx:9: error: broken link “/lessons/nope”: there is no lesson “nope”",
      "lessons/demo/lesson.mdx:9: error: broken link “/lessons/other#step-one”: lesson “other” has no anchor #step-one (its anchors are #step-two)",
      "lessons/demo/lesson.mdx:9: error: broken link “#step-missing”: lesson “demo” has no anchor #step-missing (its anchors are #step-one)",
      "lessons/demo/lesson.mdx:9: error: broken link “#intro”: lesson “demo” has no anchor #intro (its anchors are #step-one)",
      "lessons/demo/lesson.mdx:10: error: broken link “./missing.png”: no file missing.png in the lesson's folder",
      "lessons/demo/lesson.mdx:10: error: broken link “../other/diagram.svg”: it points outside the lesson's folder",
      "lessons/demo/lesson.mdx:10: error: broken link “/lessons/other/assets/none.svg”: no file none.svg in the lesson's folder",
      "lessons/demo/lesson.mdx:10: error: broken link “lesson.mdx”: the lesson source itself is never served",
      "lessons/demo/lesson.mdx:10: error: broken link “/lessons/other/extra”: no such page (lessons are /lessons/<slug>)",
    ]);
  });

  test("links that lead somewhere are fine, and web links are not fetched", () => {
    const problems = lint({
      demo: withLinks(
        "[a](/lessons/other) [b](/lessons/other#step-two) [c](#step-one) ![d](./img/diagram%201.svg) [e](/lessons/other/assets/x.txt)\n" +
          "[f](https://docs.docker.com/nope) [g](mailto:someone@example.com) [h](/)",
      ),
      other,
      "demo/img/diagram 1.svg": "<svg/>",
      "other/x.txt": "x",
    });
    assert.deepEqual(messages(problems), []);
  });

  test("a symbolic link out of the lesson's folder is refused", () => {
    const dir = content({ demo: withLinks("![x](./leak.txt)") });
    fs.symlinkSync("/etc/hostname", path.join(dir, "lessons", "demo", "leak.txt"));
    assert.match(messages(lintContent(dir))[0]!, /leak\.txt”: it is a link to a file outside the lesson's folder/);
  });
});

test("a step with checks needs a solution; a step with neither checks nor a quiz is a warning", () => {
  const noSolution = '<Step id="bare" title="Bare">\n\nDo it yourself.\n\n```check\nkind: script\nscript: "true"\n```\n\n</Step>\n';
  const prose = '<Step id="read" title="Read">\n\nJust read this.\n\n</Step>\n';
  const quiz = '<Step id="ask" title="Ask">\n\n<Quiz question="?">\n<Option correct>a</Option>\n<Option>b</Option>\n</Quiz>\n\n</Step>\n';
  const problems = lint({ demo: front("images: [busybox]\n") + STEP + noSolution + prose + quiz });
  assert.deepEqual(messages(problems), [
    "lessons/demo/lesson.mdx:22: error: step “bare” has checks but no solution (a <Solution> or ```sh run blocks), so lessons:test cannot prove it can be passed",
    "lessons/demo/lesson.mdx:32: warning: step “read” has neither a check nor a quiz: nothing tells the learner it is done",
  ]);
  const withSolution = noSolution.replace("Do it yourself.", "<Solution>\n\n```sh\ntrue\n```\n\n</Solution>");
  assert.deepEqual(messages(lint({ demo: front("images: [busybox]\n") + STEP + withSolution + quiz })), []);
});
