import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { Stack } from "../support/stack";
import { TerminalClient } from "../support/terminal-client";
import { labClient } from "../support/lab-client";
import { issue, issueViewerToken, RECORDING_TOKEN, WATCH_TOKEN, sandboxIdFor, markersOf, parseHeader } from "@dockyard/contract/server";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// Terminal recordings and the read-only live view, through the real lab-runner and real sandboxes.

const RUNNER_PORT = 3191;
const MAX_MIB = 4;
const stack = new Stack({ name: "recording-it", sitePort: 3190, runnerPort: RUNNER_PORT, env: { DOCKYARD_RECORDING_MAX_MIB: String(MAX_MIB) } });
const LESSON = "first-container";
const driver = new DockerSandboxDriver();
const learners: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lab() {
  const learner = `rec-${process.pid}-${learners.length}`;
  learners.push(learner);
  const client = labClient(stack, learner, LESSON);
  const { sandbox } = client;
  const viewer = (kind: typeof RECORDING_TOKEN | typeof WATCH_TOKEN) => issueViewerToken(stack.secret, kind, { sandbox, lesson: LESSON }, 300);
  return Object.assign(client, {
    watch: (watchToken = viewer(WATCH_TOKEN), autoAck = true) =>
      new TerminalClient(`ws://127.0.0.1:${RUNNER_PORT}/sandboxes/${sandbox}/watch?${new URLSearchParams({ node: "node1", token: watchToken })}`, autoAck),
    recording: (query = "?node=node1", bearer: string | null = viewer(RECORDING_TOKEN)) =>
      fetch(`${stack.runnerUrl}/recordings/${sandbox}${query}`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } }),
    viewer,
  });
}

type Event = [number, "o" | "i" | "r" | "m", string];

/** A recording parsed strictly as asciicast v2: every line JSON, one header, then events in time order. */
function parseCast(text: string) {
  assert.ok(text.endsWith("\n"), "the file ends with a complete line");
  const [first, ...rest] = text.slice(0, -1).split("\n");
  const header = parseHeader(first!);
  assert.ok(header, `a v2 header: ${first}`);
  const events = rest.map((line) => JSON.parse(line) as Event);
  for (const [i, e] of events.entries()) {
    assert.ok(
      Array.isArray(e) && e.length === 3 && typeof e[0] === "number" && ["o", "r", "m"].includes(e[1]) && typeof e[2] === "string",
      `event ${i}: ${JSON.stringify(e)}`,
    );
    if (i) assert.ok(e[0] >= events[i - 1]![0], `event ${i} goes back in time`);
  }
  const output = events
    .filter((e) => e[1] === "o")
    .map((e) => e[2])
    .join("");
  return { header, events, output, markers: events.filter((e) => e[1] === "m").map((e) => e[2]) };
}

describe("terminal recordings and live views", { timeout: 600_000 }, () => {
  before(async () => {
    await stack.reset();
    await stack.startRunner();
  });
  after(async () => {
    await stack.stop();
    for (const learner of learners) await driver.remove(sandboxIdFor(learner, LESSON));
  });

  test("a terminal is recorded as asciicast v2, with step and check markers where they happened", async () => {
    const l = lab();
    const t = l.terminal();
    await t.ready();
    t.send({ type: "resize", cols: 100, rows: 30 });
    t.send({ type: "step", step: "hello-busybox" });
    await sleep(1000); // the step is written into the sandbox, then marked
    t.type("echo marker-$((20+1))\r");
    await t.waitForText("marker-21");
    assert.equal((await l.check("hello-busybox")).body.passed, false);
    t.type("docker run busybox echo hello world\r");
    await t.waitForText("hello world\r\n");
    await sleep(300);
    assert.equal((await l.check("hello-busybox")).body.passed, true);

    const res = await l.recording();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-asciicast; charset=utf-8");
    const text = await res.text();
    const cast = parseCast(text);
    assert.ok(Math.abs(cast.header.timestamp - Date.now() / 1000) < 300, "the header's timestamp is when it started");
    assert.match(cast.output, /marker-21/);
    assert.match(cast.output, /hello world/);
    assert.ok(
      cast.events.some((e) => e[1] === "r" && e[2] === "100x30"),
      "the resize is recorded",
    );
    assert.deepEqual(cast.markers, ["step hello-busybox", "check hello-busybox failed", "check hello-busybox passed"]);
    const at = (find: (e: Event) => boolean) => cast.events.findIndex(find);
    const order = [
      at((e) => e[1] === "m" && e[2] === "step hello-busybox"),
      at((e) => e[1] === "o" && e[2].includes("marker-21")),
      at((e) => e[1] === "m" && e[2] === "check hello-busybox failed"),
      at((e) => e[1] === "o" && e[2].includes("hello world")),
      at((e) => e[1] === "m" && e[2] === "check hello-busybox passed"),
    ];
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      `events in the order they happened: ${order}`,
    );
    assert.deepEqual(
      markersOf(text).map((m) => m.label),
      cast.markers,
    );
    assert.equal(fs.readFileSync(path.join(stack.dataDir, "recordings", l.sandbox, "node1.cast"), "utf8").slice(0, text.length), text);

    const listing = await (await l.recording("")).json();
    assert.equal(listing.sandbox, l.sandbox);
    assert.equal(listing.lesson, LESSON);
    assert.deepEqual(
      listing.recordings.map((r: { node: string }) => r.node),
      ["node1"],
    );
    assert.ok(listing.recordings[0].bytes >= text.length);
    t.close();
  });

  test("the recording API refuses requests without a recording token for that very sandbox", async () => {
    const l = lab();
    const other = lab();
    const t = l.terminal();
    await t.ready();
    t.close();
    const refusals = [
      { bearer: null, status: 401, error: "missing", message: /No token/ },
      { bearer: l.token, status: 401, error: "wrong_kind", message: /^This is a lab token; this needs a recording token\.$/ },
      { bearer: l.viewer(WATCH_TOKEN), status: 401, error: "wrong_kind", message: /watch token; this needs a recording token/ },
      { bearer: other.viewer(RECORDING_TOKEN), status: 403, error: "wrong_sandbox", message: /another sandbox/ },
      {
        bearer: issue(stack.secret, RECORDING_TOKEN, { sandbox: l.sandbox, lesson: LESSON }, 60, Date.now() - 3600_000),
        status: 401,
        error: "expired",
        message: /expired/,
      },
      {
        bearer: issueViewerToken("not-the-secret", RECORDING_TOKEN, { sandbox: l.sandbox, lesson: LESSON }, 60),
        status: 401,
        error: "bad_signature",
        message: /signature/,
      },
    ];
    for (const r of refusals)
      for (const query of ["?node=node1", ""]) {
        const res = await l.recording(query, r.bearer);
        const body = await res.json();
        assert.equal(res.status, r.status, `${r.error}: ${JSON.stringify(body)}`);
        assert.equal(body.error, r.error);
        assert.match(body.message, r.message);
      }
    const unknown = await l.recording("?node=node2");
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error, "no_recording");
    assert.equal((await l.recording("?node=../../secret")).status, 400);
    const post = await fetch(`${stack.runnerUrl}/recordings/${l.sandbox}`, {
      method: "POST",
      headers: { authorization: `Bearer ${l.viewer(RECORDING_TOKEN)}` },
    });
    assert.equal(post.status, 405);
  });

  test("a watcher gets the recent then the live output, nothing it types reaches the shell, and the learner is told how many watch", async () => {
    const l = lab();
    const t = l.terminal();
    await t.ready();
    t.type("echo before-$((1+1))\r");
    await t.waitForText("before-2");

    const w = l.watch();
    await w.ready();
    await w.waitForText("before-2"); // the scrollback, replayed
    assert.ok(w.messages.some((m) => m.type === "size"));
    await t.until(() => t.messages.some((m) => m.type === "watchers" && m.count === 1), 5000, "the learner to hear of the watcher");

    w.type("echo WATCHER_TYPED_$((6*7))\r");
    w.send({ type: "resize", cols: 20, rows: 5 });
    w.send({ type: "step", step: "clean-up" });
    await w.until(() => w.messages.filter((m) => m.type === "error").length === 3, 5000, "three refusals");
    for (const m of w.messages.filter((m) => m.type === "error"))
      assert.deepEqual(m, { type: "error", code: "read_only", message: "This is a read-only live view: nothing typed here reaches the learner's terminal." });

    t.type("echo after-$((2+2))\r");
    await t.waitForText("after-4");
    await w.waitForText("after-4"); // live
    await sleep(500);
    assert.ok(!t.text.includes("WATCHER_TYPED"), "the watcher's typing never reached the shell");
    assert.ok(!w.text.includes("WATCHER_TYPED"));
    t.type("stty size\r");
    await t.waitForText("24 80\r\n"); // the watcher's resize did not reach the pty either

    const second = l.watch();
    await second.ready();
    await t.until(() => t.messages.at(-1)?.type === "watchers" && (t.messages.at(-1) as { count: number }).count === 2, 5000, "two watchers");
    w.close();
    second.close();
    await t.until(() => t.messages.at(-1)?.type === "watchers" && (t.messages.at(-1) as { count: number }).count === 0, 5000, "no watcher left");
    const cast = parseCast(await (await l.recording()).text());
    assert.ok(!cast.output.includes("WATCHER_TYPED"));
    t.close();
  });

  test("the watch socket refuses tokens that are not a watch token for that sandbox, and labs that are not running", async () => {
    const l = lab();
    const t = l.terminal();
    await t.ready();
    const idle = lab(); // never started
    const attempts = [
      { client: l.watch(l.token), code: 4401, error: "unauthorized", message: /lab token; this needs a watch token/ },
      { client: l.watch(l.viewer(RECORDING_TOKEN)), code: 4401, error: "unauthorized", message: /recording token; this needs a watch token/ },
      { client: l.watch(idle.viewer(WATCH_TOKEN)), code: 4403, error: "forbidden", message: /another sandbox/ },
      { client: l.watch(""), code: 4401, error: "unauthorized", message: /No token/ },
      { client: idle.watch(), code: 4409, error: "not_running", message: /not running/ },
    ];
    for (const a of attempts) {
      await a.client.waitForClose();
      assert.equal(a.client.closed?.code, a.code, JSON.stringify(a.client.messages));
      assert.deepEqual(
        a.client.messages.map((m) => m.type === "error" && m.code),
        [a.error],
      );
      assert.match((a.client.messages[0] as { message: string }).message, a.message);
      assert.equal(a.client.text, "");
    }
    assert.ok(!t.messages.some((m) => m.type === "watchers"), "refused watchers are not counted");
    t.close();
  });

  test("a watcher that does not keep up is disconnected with a reason while the learner's shell runs on; the recording stops at its limit", async () => {
    const l = lab();
    const t = l.terminal();
    await t.ready();
    const slow = l.watch(undefined, false);
    await slow.ready();
    t.type(`yes | head -c ${3 * MAX_MIB * 1024 * 1024}; echo done-$((5*5))\r`);
    await slow.waitForClose(60_000);
    assert.equal(slow.closed?.code, 4408);
    assert.match(slow.closed!.reason, /fell too far behind/);
    assert.ok(slow.messages.some((m) => m.type === "error" && m.code === "lagging"));
    await t.waitForText("done-25", 120_000);

    const res = await l.recording();
    const text = await res.text();
    assert.ok(Buffer.byteLength(text) <= MAX_MIB * 1024 * 1024, `${Buffer.byteLength(text)} bytes`);
    const cast = parseCast(text);
    assert.match(cast.markers.at(-1)!, new RegExp(`^recording stopped: it reached its limit of ${MAX_MIB} MiB$`));
    t.close();
  });

  test("a recording outlives a lab-runner restart (the new shell appends to it) and the lab's removal, which ends its live views", async () => {
    const l = lab();
    const t = l.terminal();
    await t.ready();
    t.type("echo first-$((10*10))\r");
    await t.waitForText("first-100");
    t.close();
    await stack.stopRunner();
    await stack.startRunner();
    const again = l.terminal();
    await again.ready();
    again.send({ type: "resize", cols: 90, rows: 20 });
    again.type("echo second-$((10*20))\r");
    await again.waitForText("second-200");
    assert.equal((await l.check("clean-up")).body.passed, true);
    const w = l.watch();
    await w.ready();

    const removed = await l.remove();
    assert.equal(removed.status, 200);
    await w.waitForClose();
    assert.equal(w.closed?.code, 4410);
    assert.match(w.closed!.reason, /lab was removed/);

    const cast = parseCast(await (await l.recording()).text());
    assert.match(cast.output, /first-100[\s\S]*second-200/);
    assert.ok(cast.events.some((e) => e[1] === "r" && e[2] === "90x20"));
    assert.deepEqual(cast.markers, ["check clean-up passed"]);
    again.close();
  });
});
