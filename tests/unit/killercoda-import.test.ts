import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadLessons } from "@dockyard/contract/server";
import { ImportError, importKillercoda } from "../../lab-runner/src/authoring/import";
import { globPattern, lessonFiles, modeOf } from "../../lab-runner/src/authoring/import/assets";
import { labFor, layoutNote } from "../../lab-runner/src/authoring/import/backend";
import { imagesIn, sortImages } from "../../lab-runner/src/authoring/import/images";
import { minutesOf } from "../../lab-runner/src/authoring/import/lesson";
import { Notes } from "../../lab-runner/src/authoring/import/notes";
import { lintContent } from "../../lab-runner/src/authoring/lint";

// The importer on scenarios written into temporary folders: files and globs, backends, images, courses, errors
// that name the file, and importing again.

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-import-"));
  dirs.push(dir);
  return dir;
};

/** A folder with these files (path → text). */
function folder(files: Record<string, string>, dir = tmp()): string {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const index = (extra: object = {}, steps: object[] = [{ title: "Make a file", text: "step1.md", verify: "verify.sh" }]) =>
  JSON.stringify({ title: "Demo", description: "A demo", details: { intro: { text: "intro.md" }, steps, ...extra }, backend: { imageid: "ubuntu" } });
const SCENARIO = {
  "intro.md": "Hello.",
  "step1.md": "```\ntouch /tmp/x\n```{{exec}}\n",
  "verify.sh": "test -f /tmp/x\n",
};

function content(): string {
  const dir = tmp();
  fs.mkdirSync(path.join(dir, "images", "busybox"), { recursive: true });
  fs.writeFileSync(path.join(dir, "images", "busybox", "tags"), "1.35\n");
  return dir;
}

const errorOf = (fn: () => unknown): ImportError => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ImportError, String(e));
    return e;
  }
  assert.fail("expected an ImportError");
};

test("a folder that is not a scenario is refused, naming the file at fault", () => {
  const contentDir = content();
  const empty = tmp();
  assert.equal(errorOf(() => importKillercoda(empty, { contentDir })).file, path.join(empty, "index.json"));
  assert.match(errorOf(() => importKillercoda(empty, { contentDir })).message, /no index\.json: this folder is not a Killercoda scenario/);
  const bad = folder({ "index.json": "{ title: " });
  assert.match(errorOf(() => importKillercoda(bad, { contentDir })).message, /index\.json: not valid JSON/);
  const noTitle = folder({ "index.json": JSON.stringify({ details: { steps: [] } }) });
  assert.match(errorOf(() => importKillercoda(noTitle, { contentDir })).message, /not a valid Killercoda scenario description: title/);
  const missing = folder({ "index.json": index(), "intro.md": "Hi", "verify.sh": "true" });
  const e = errorOf(() => importKillercoda(missing, { contentDir }));
  assert.equal(e.file, path.join(missing, "step1.md"));
  assert.match(e.detail, /missing: index\.json names it as details\.steps\[0\]\.text/);
  assert.match(errorOf(() => importKillercoda(path.join(empty, "nope"), { contentDir })).message, /no such folder/);
  assert.deepEqual(fs.readdirSync(path.join(contentDir)), ["images"], "nothing was written");
});

test("assets: names and globs under assets/, targets with ~, chmod, other hosts on other nodes", () => {
  const dir = folder({ "assets/app/main.py": "", "assets/app/lib/util.py": "", "assets/run.sh": "", "assets/README": "" });
  const notes = new Notes();
  const files = lessonFiles(
    dir,
    [
      { host: "host01", file: "app/**", target: "~/project" },
      { host: "host01", file: "run.sh", target: "/usr/local/bin/", chmod: "+x" },
      { host: "host02", file: "*", target: "/opt", chmod: "640" },
      { host: "host01", file: "nothing-*.txt", target: "~" },
    ],
    notes,
  );
  assert.deepEqual(
    files.map(({ source, target, node, mode }) => [source, target, node, mode]),
    [
      ["files/app/lib/util.py", "/root/project/lib/util.py", undefined, undefined],
      ["files/app/main.py", "/root/project/main.py", undefined, undefined],
      ["files/run.sh", "/usr/local/bin/run.sh", undefined, "0755"],
      ["files/app/lib/util.py", "/opt/app/lib/util.py", "node2", "0640"],
      ["files/app/main.py", "/opt/app/main.py", "node2", "0640"],
      ["files/README", "/opt/README", "node2", "0640"],
      ["files/run.sh", "/opt/run.sh", "node2", "0640"],
    ],
  );
  assert.ok(notes.list.some((n) => n.kind === "todo" && /matches no file/.test(n.message)));
  assert.equal(modeOf("+rw"), undefined);
  assert.equal(modeOf("0700"), "0700");
  assert.ok(globPattern("*.sh").test("a.sh") && !globPattern("*.sh").test("x/a.sh"));
});

test("backends: kubeadm clusters become Kubernetes labs with their differences reported; the ide layout the Editor tab", () => {
  const notes = new Notes();
  assert.deepEqual(labFor("kubernetes-kubeadm-2nodes", notes), { nodes: 2, kubernetes: true });
  assert.deepEqual(labFor("kubernetes-kubeadm-1node-4GB", notes), { kubernetes: true });
  assert.deepEqual(labFor("ubuntu", notes), {});
  assert.deepEqual(labFor("windows", notes), {});
  layoutNote("ide", notes);
  layoutNote("terminal", notes);
  assert.deepEqual(
    notes.list.map((n) => n.kind),
    ["mapped", "differs", "differs", "mapped", "differs", "todo", "differs"],
  );
  assert.match(notes.list.at(-1)!.message, /Editor tab/);
});

test("images: found in commands, manifests and Dockerfiles; those of the offline set loaded, the others reported", () => {
  assert.deepEqual(
    imagesIn("docker run -d --name web -p 80:80 -v /a:/b busybox:1.35 httpd\nkubectl run x --image=nginx:1.25\nimage: redis:7\nFROM python:3.11 AS build"),
    ["busybox:1.35", "nginx:1.25", "redis:7", "python:3.11"],
  );
  const offline = new Map([
    ["busybox", ["latest", "1.35"]],
    ["redis", ["latest", "7"]],
  ]);
  assert.deepEqual(sortImages(["busybox:1.35", "docker.io/library/redis:7", "busybox:1.36", "nginx:alpine", "app:v1"], offline, ["app:v1"]), {
    load: ["busybox", "redis"],
    missing: ["busybox:1.36", "nginx:alpine"],
  });
  assert.equal(minutesOf("15 minutes", 2), 15);
  assert.equal(minutesOf("1 hour", 2), 60);
  assert.equal(minutesOf(undefined, 3), 15);
});

test("a course becomes lessons in its order, each with the one before as prerequisite, titles from structure.json", () => {
  const course = folder({
    "structure.json": JSON.stringify({ title: "C", items: [{ path: "b-second" }, { path: "a-first", title: "Renamed" }] }),
    ...Object.fromEntries(
      Object.entries({ ...SCENARIO, "index.json": index() }).flatMap(([n, t]) => [
        [`b-second/${n}`, t],
        [`a-first/${n}`, t],
      ]),
    ),
    "ignored/index.json": index(),
  });
  const contentDir = content();
  const lessons = importKillercoda(course, { contentDir });
  assert.deepEqual(
    lessons.map((l) => l.slug),
    ["b-second", "a-first"],
  );
  const { lessons: loaded, errors } = loadLessons(contentDir);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    loaded.map((l) => [l.slug, l.title, l.order, l.prerequisites]),
    [
      ["b-second", "Demo", 10, []],
      ["a-first", "Renamed", 20, ["b-second"]],
    ],
  );
});

test("importing again updates the lesson: same output, stale files removed, the author's other files kept, edits protected", () => {
  const contentDir = content();
  const scenario = folder({ ...SCENARIO, "index.json": index({ assets: { host01: [{ file: "*", target: "~" }] } }), "assets/a.txt": "a", "assets/b.txt": "b" });
  const out = path.join(contentDir, "lessons", "demo");
  const first = importKillercoda(scenario, { contentDir, out });
  assert.deepEqual(first[0]!.changes.added, ["files/a.txt", "files/b.txt", "import-report.md", "lesson.mdx"]);
  const snapshot = () =>
    Object.fromEntries(
      fs
        .readdirSync(out, { recursive: true, encoding: "utf8" })
        .sort()
        .map((f) => [f, fs.statSync(path.join(out, f)).isFile() ? fs.readFileSync(path.join(out, f), "utf8") : "dir"]),
    );
  const before = snapshot();
  fs.writeFileSync(path.join(out, "notes.txt"), "mine");

  const again = importKillercoda(scenario, { contentDir, out });
  assert.deepEqual(again[0]!.changes, { added: [], updated: [], removed: [], unchanged: ["files/a.txt", "files/b.txt", "import-report.md", "lesson.mdx"] });
  assert.deepEqual(snapshot(), { ...before, "notes.txt": "mine" });

  fs.rmSync(path.join(scenario, "assets", "b.txt"));
  fs.writeFileSync(path.join(scenario, "step1.md"), "```\ntouch /tmp/y\n```{{exec}}\n");
  const changed = importKillercoda(scenario, { contentDir, out })[0]!.changes;
  assert.deepEqual([changed.updated, changed.removed], [["import-report.md", "lesson.mdx"], ["files/b.txt"]]);
  assert.ok(!fs.existsSync(path.join(out, "files", "b.txt")));
  assert.equal(fs.readFileSync(path.join(out, "notes.txt"), "utf8"), "mine");

  fs.appendFileSync(path.join(out, "lesson.mdx"), "\nMy own paragraph.\n");
  assert.match(errorOf(() => importKillercoda(scenario, { contentDir, out })).message, /edited since the last import \(lesson\.mdx\).*--force/);
  importKillercoda(scenario, { contentDir, out, force: true });
  assert.doesNotMatch(fs.readFileSync(path.join(out, "lesson.mdx"), "utf8"), /My own paragraph/);
});

test("a lesson the importer did not write is never overwritten", () => {
  const contentDir = content();
  const out = folder({ "lesson.mdx": "mine" }, path.join(contentDir, "lessons", "taken"));
  fs.mkdirSync(out, { recursive: true });
  assert.match(errorOf(() => importKillercoda(folder({ ...SCENARIO, "index.json": index() }), { contentDir, out })).message, /was not written by the importer/);
  assert.equal(fs.readFileSync(path.join(out, "lesson.mdx"), "utf8"), "mine");
});

test("the lesson loader and lessons:lint ignore the import report, the manifest and the files folder", () => {
  const contentDir = content();
  const scenario = folder({ ...SCENARIO, "index.json": index({ assets: { host01: [{ file: "*", target: "~" }] } }), "assets/data.md": "# not a lesson" });
  const lessonDir = importKillercoda(scenario, { contentDir })[0]!.dir;
  assert.deepEqual(fs.readdirSync(lessonDir).sort(), ["files", "import-manifest.json", "import-report.md", "lesson.mdx"]);
  const { lessons, errors } = loadLessons(contentDir);
  assert.deepEqual([lessons.length, errors], [1, []]);
  assert.deepEqual(lintContent(contentDir), []);
});
