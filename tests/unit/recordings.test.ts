import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AsciicastWriter, STOPPED } from "../../lab-runner/src/recordings/writer";
import { Recordings } from "../../lab-runner/src/recordings/store";
import { markersOf, type Lesson } from "@dockyard/contract/server";
import { LabManager } from "../../lab-runner/src/labs";
import type { SandboxDriver } from "../../lab-runner/src/sandbox/driver";
import type { Pty } from "../../lab-runner/src/terminal/session";

// Terminal recordings on a real temporary directory, with a fake clock.

const START = Date.parse("2026-12-01T10:00:00.250Z");

function tmp() {
  return fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-rec-"));
}

function clock(ms = START) {
  const c = { ms, now: () => c.ms, advance: (seconds: number) => void (c.ms += seconds * 1000) };
  return c;
}

const lines = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

test("a new recording is an asciicast v2 header then one event per line: output, resize and marker", () => {
  const file = path.join(tmp(), "sb", "node1.cast");
  const c = clock();
  const w = new AsciicastWriter(file, { maxBytes: 1024 * 1024, title: "node1 of sb", now: c.now });
  w.resize(100, 30);
  c.advance(1.5);
  w.output(Buffer.from("$ echo hi\r\nhi\r\n"));
  c.advance(0.25);
  w.marker("check hello passed");
  w.resize(100, 30); // unchanged: not recorded
  c.advance(0.000_000_4);
  w.resize(120, 40);
  const text = fs.readFileSync(file, "utf8");
  assert.ok(text.endsWith("\n"));
  assert.deepEqual(lines(file), [
    { version: 2, width: 100, height: 30, timestamp: Math.floor(START / 1000), env: { TERM: "xterm-256color", SHELL: "/bin/bash" }, title: "node1 of sb" },
    [1.75, "o", "$ echo hi\r\nhi\r\n"], // times count from the header's whole second
    [2, "m", "check hello passed"],
    [2, "r", "120x40"],
  ]);
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), "600");
});

test("a UTF-8 character split across two output chunks is recorded whole", () => {
  const file = path.join(tmp(), "node1.cast");
  const w = new AsciicastWriter(file, { maxBytes: 1024 * 1024, title: "t", now: clock().now });
  const bytes = Buffer.from("café ✓");
  w.output(bytes.subarray(0, 4));
  w.output(bytes.subarray(4, 8));
  w.output(bytes.subarray(8));
  assert.deepEqual(
    lines(file)
      .slice(1)
      .map((e) => e[2]),
    ["caf", "é ", "✓"],
  );
});

test("a recording is continued by a later writer (a new shell, a restarted lab-runner): one header, times from it, a cut line dropped", () => {
  const file = path.join(tmp(), "node1.cast");
  const c = clock();
  const first = new AsciicastWriter(file, { maxBytes: 1024 * 1024, title: "t", now: c.now });
  first.resize(80, 24);
  c.advance(2);
  first.output(Buffer.from("before restart"));
  first.close();
  fs.appendFileSync(file, '[2.5,"o","cut off by a cra'); // the line being written when the process died
  c.advance(60);
  const second = new AsciicastWriter(file, { maxBytes: 1024 * 1024, title: "t", now: c.now });
  second.resize(80, 24); // its size is unknown to the new writer, so it is recorded again
  second.output(Buffer.from("after restart"));
  const events = lines(file);
  assert.equal(events.filter((e) => !Array.isArray(e)).length, 1, "one header");
  assert.deepEqual(events.slice(1), [
    [2.25, "o", "before restart"],
    [62.25, "r", "80x24"],
    [62.25, "o", "after restart"],
  ]);
});

test("event times never go backwards, even if the clock does", () => {
  const file = path.join(tmp(), "node1.cast");
  const c = clock();
  const w = new AsciicastWriter(file, { maxBytes: 1024 * 1024, title: "t", now: c.now });
  w.resize(80, 24);
  c.advance(5);
  w.output(Buffer.from("a"));
  c.advance(-3);
  w.output(Buffer.from("b"));
  assert.deepEqual(
    lines(file)
      .slice(1)
      .map((e) => e[0]),
    [5.25, 5.25],
  );
});

test("at its size limit a recording stops with a final marker, stays under the limit and is never appended to again", () => {
  const file = path.join(tmp(), "node1.cast");
  const maxBytes = 2048;
  const c = clock();
  const w = new AsciicastWriter(file, { maxBytes, title: "t", now: c.now });
  for (let i = 0; i < 100; i++) {
    c.advance(0.1);
    w.output(Buffer.from(`line ${i} ${"y".repeat(40)}\r\n`));
  }
  w.marker("check late failed");
  const size = fs.statSync(file).size;
  assert.ok(size <= maxBytes, `${size} bytes`);
  const events = lines(file);
  const last = events.at(-1);
  assert.equal(last[1], "m");
  assert.match(last[2], new RegExp(`^${STOPPED}: it reached its limit of 2 KiB$`));
  assert.equal(events.filter((e) => e[1] === "m").length, 1, "nothing after the final marker");
  const again = new AsciicastWriter(file, { maxBytes, title: "t", now: c.now });
  again.output(Buffer.from("more"));
  again.marker("check later failed");
  assert.equal(fs.statSync(file).size, size);
});

test("a file that is not an asciicast recording is left as it is", (t) => {
  const file = path.join(tmp(), "node1.cast");
  fs.writeFileSync(file, "not a recording\n");
  const errors = t.mock.method(console, "error", () => {});
  const w = new AsciicastWriter(file, { maxBytes: 1024 * 1024, title: "t", now: clock().now });
  w.output(Buffer.from("x"));
  w.output(Buffer.from("y"));
  assert.equal(fs.readFileSync(file, "utf8"), "not a recording\n");
  assert.equal(errors.mock.callCount(), 1);
  assert.match(String(errors.mock.calls[0]!.arguments[0]), /not an asciicast v2 recording/);
});

test("the store keeps <sandbox>/<node>.cast, lists them, and marks every recorded node of a lab", () => {
  const dir = tmp();
  const recordings = new Recordings(dir, { maxBytes: 1024 * 1024, now: clock().now });
  recordings.recorder("dy-a", "node1").resize(80, 24);
  recordings.recorder("dy-a", "node2").output(Buffer.from("on node2"));
  recordings.recorder("dy-b", "node1").resize(80, 24);
  recordings.close("dy-a");
  recordings.mark("dy-a", "step build"); // node1 and node2 are on disk, no longer open
  assert.deepEqual(
    recordings.list("dy-a").map((r) => r.node),
    ["node1", "node2"],
  );
  for (const node of ["node1", "node2"])
    assert.deepEqual(
      lines(path.join(dir, "dy-a", `${node}.cast`))
        .at(-1)!
        .slice(1),
      ["m", "step build"],
    );
  assert.equal(lines(path.join(dir, "dy-b", "node1.cast")).length, 1, "another lab is not marked");
  assert.equal(recordings.file("dy-a", "node3"), undefined);
  assert.deepEqual(recordings.list("dy-none"), []);
  assert.throws(() => recordings.file("../etc", "node1"), /not a sandbox id/);
  assert.throws(() => recordings.file("dy-a", "../../x"), /not a node name/);
});

test("markers are read back from a recording's text, in order, with their index, time and label", () => {
  const text = [
    '{"version":2,"width":80,"height":24,"timestamp":1}',
    '[0.5,"o","a \\"m\\" in output"]',
    '[1.25,"m","step build"]',
    '[2, "m", "check build failed"]',
    '[3,"r","80x24"]',
    "",
  ].join("\n");
  assert.deepEqual(markersOf(text), [
    { index: 0, time: 1.25, label: "step build" },
    { index: 1, time: 2, label: "check build failed" },
  ]);
});

test("the lab marks each step change and each check attempt with its verdict in the lab's recordings", async () => {
  const dir = tmp();
  const c = clock();
  const driver = {
    get: async () => ({ running: true }),
    exec: async () => ({ exitCode: 0, output: "" }),
    shellCommand: () => ({ file: "/bin/true", args: [], env: {} }),
    remove: async () => {},
    limitHits: async () => ({ memory: 0, containersMemory: 0, processes: 0, diskFull: false }),
  } as unknown as SandboxDriver;
  const lesson = { slug: "demo", nodes: 1, steps: [{ id: "free", checks: [] }] } as unknown as Lesson;
  const fakePty = { onData() {}, onExit() {}, write() {}, resize() {}, pause() {}, resume() {}, kill() {} } as Pty;
  const recordings = new Recordings(dir, { maxBytes: 1024 * 1024, now: c.now });
  const labs = new LabManager(driver, { idleTimeoutMs: 1000, findLesson: () => lesson, spawnPty: () => fakePty, recordings });
  labs.session("dy-x", "node1").attach({ output() {}, control() {} });
  await labs.setStep("dy-x", "free");
  await labs.setStep("dy-x", "free"); // no change, no marker
  c.advance(3);
  await labs.check("dy-x", "demo", "free");
  const events = lines(path.join(dir, "dy-x", "node1.cast"));
  assert.deepEqual(
    events.filter((e) => e[1] === "m").map((e) => [e[0], e[2]]),
    [
      [0.25, "step free"],
      [3.25, "check free passed"],
    ],
  );
  await labs.remove("dy-x");
  assert.ok(fs.existsSync(path.join(dir, "dy-x", "node1.cast")));
});
