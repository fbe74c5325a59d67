import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadLessons } from "@dockyard/contract/server";
import { importKillercoda, type ImportedLesson } from "../../lab-runner/src/authoring/import";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// The repo's own Killercoda scenarios (tests/fixtures/killercoda/, written as Killercoda authors write them,
// covering every construct of the format) imported into a temporary content directory: every lesson passes
// lessons:lint, importing again changes nothing (and removes what the scenario no longer has), and lessons:test
// rehearses them in real sandboxes, their setup and files included (the Kubernetes one on a real cluster).
// Prerequisites: `bash scripts/engine.sh start` and `bash scripts/images.sh` (and the Kubernetes binaries).

const FIXTURES = path.resolve("tests/fixtures/killercoda");
const REPO_IMAGES = path.resolve("content/images");
let content: string;
let imported: ImportedLesson[];

const { NODE_TEST_CONTEXT: _, ...env } = process.env; // so that the inner test runner reports instead of talking to ours
const npm = (script: string, args: string[] = [], timeout = 120_000) =>
  spawnSync("npm", ["run", "-s", script, "--", ...args], { env: { ...env, DOCKYARD_CONTENT_DIR: content }, encoding: "utf8", timeout });

/** Every file under the content's lessons, with its text. */
function snapshot(): Record<string, string> {
  const lessons = path.join(content, "lessons");
  return Object.fromEntries(
    fs
      .readdirSync(lessons, { recursive: true, encoding: "utf8" })
      .filter((f) => fs.statSync(path.join(lessons, f)).isFile())
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(lessons, f), "utf8")]),
  );
}

const importAll = () => fs.readdirSync(FIXTURES).flatMap((name) => importKillercoda(path.join(FIXTURES, name), { contentDir: content }));

before(() => {
  content = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-killercoda-"));
  fs.symlinkSync(REPO_IMAGES, path.join(content, "images"));
  imported = importAll();
});
after(() => fs.rmSync(content, { recursive: true, force: true }));

describe("importing the repo's Killercoda scenarios", { timeout: 900_000 }, () => {
  test("every scenario becomes a lesson (the course two, in its order) with its report", () => {
    assert.deepEqual(
      imported.map((l) => l.slug),
      ["busybox-web", "hello", "build", "edit-a-config", "fix-a-container", "kubernetes-first-pod"],
    );
    const { lessons, errors } = loadLessons(content);
    assert.deepEqual(errors, []);
    assert.deepEqual(lessons.map((l) => l.slug).sort(), ["build", "busybox-web", "edit-a-config", "fix-a-container", "hello", "kubernetes-first-pod"]);
    const lesson = (slug: string) => lessons.find((l) => l.slug === slug)!;
    assert.deepEqual(lesson("build").prerequisites, ["hello"]);
    assert.deepEqual([lesson("kubernetes-first-pod").nodes, lesson("kubernetes-first-pod").kubernetes], [2, { fakeNodes: 0 }]);
    assert.equal(lesson("fix-a-container").setup?.length, 2);
    assert.equal(lesson("fix-a-container").steps[0]!.setup?.length, 2);
    assert.deepEqual(
      lesson("busybox-web").files?.map((f) => [f.target, f.mode]),
      [
        ["/root/site/index.html", undefined],
        ["/usr/local/bin/serve.sh", "0755"],
      ],
    );
    for (const l of imported) assert.ok(fs.existsSync(path.join(l.dir, "import-report.md")), `${l.slug} has its report`);
    const report = (slug: string) => fs.readFileSync(path.join(content, "lessons", slug, "import-report.md"), "utf8");
    assert.match(report("busybox-web"), /“nginx:alpine” is not in this installation's offline image set/);
    assert.match(report("edit-a-config"), /Dockyard's Editor tab beside the terminal is offered instead/);
    assert.match(report("kubernetes-first-pod"), /kubernetes-kubeadm-2nodes → a Dockyard Kubernetes lab \(kubernetes: true, nodes: 2\)/);
    assert.match(report("fix-a-container"), /its loop waiting for \/tmp\/\.setup-done ends at once/);
  });

  test("every imported lesson passes lessons:lint", () => {
    const run = npm("lessons:lint");
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^ℹ lessons 6\nℹ pass 6\nℹ fail 0\nℹ warnings 0$/m);
  });

  test("importing again changes nothing; a file the scenario no longer has is removed", () => {
    const before = snapshot();
    const again = importAll();
    assert.deepEqual(snapshot(), before);
    for (const l of again) assert.deepEqual([l.changes.added, l.changes.updated, l.changes.removed], [[], [], []], l.slug);

    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-killercoda-src-"));
    try {
      const scenario = path.join(copy, "busybox-web");
      fs.cpSync(path.join(FIXTURES, "busybox-web"), scenario, { recursive: true });
      fs.rmSync(path.join(scenario, "assets", "serve.sh"));
      const [changed] = importKillercoda(scenario, { contentDir: content });
      assert.deepEqual([changed!.changes.updated, changed!.changes.removed], [["import-report.md", "lesson.mdx"], ["files/serve.sh"]]);
      assert.ok(!fs.existsSync(path.join(content, "lessons", "busybox-web", "files", "serve.sh")));
      assert.doesNotMatch(fs.readFileSync(path.join(content, "lessons", "busybox-web", "lesson.mdx"), "utf8"), /serve\.sh\n\s+target/);
    } finally {
      importKillercoda(path.join(FIXTURES, "busybox-web"), { contentDir: content });
      fs.rmSync(copy, { recursive: true, force: true });
    }
    assert.deepEqual(snapshot(), before);
  });

  test("lessons:test rehearses every imported lesson in real sandboxes, and removes them", async (t) => {
    const run = npm("lessons:test", [], 840_000);
    for (const line of run.stdout.slice(run.stdout.indexOf("lessons:test summary")).split("\n")) t.diagnostic(line);
    assert.equal(run.status, 0, run.stdout.slice(-6000) + run.stderr.slice(-3000));
    assert.match(run.stdout, /^ℹ fail 0$/m);
    assert.match(run.stdout, /^lessons: 6 passed, 0 failed$/m);
    const left = (await new DockerSandboxDriver().list()).filter((s) => imported.some((l) => l.slug === s.lessonSlug));
    assert.deepEqual(left, []);
  });
});
