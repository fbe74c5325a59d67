import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { sandboxIdFor } from "@dockyard/contract/server";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { pythonWith } from "../support/python-venv";
import { Stack } from "../support/stack";
import { TerminalClient } from "../support/terminal-client";

// Webhooks end to end: a learner's real actions through the real site API (start a lab, check a step in a real
// sandbox, reveal a hint and a solution) reach a receiver written with the Standard Webhooks reference library
// (Python, PyPI standardwebhooks), which verifies every delivery. The receiver is down at first (connections
// refused, then 503s) and the site is killed with deliveries pending: each event still arrives, verified, once
// by its webhook-id. An endpoint whose secret was tampered with is refused by the receiver.

const RECEIVER_PORT = 9501;
const LESSON = "first-container";
const stack = new Stack({
  name: "webhooks-it",
  sitePort: 3560,
  runnerPort: 3561,
  env: {
    DOCKYARD_OUTBOUND_ALLOW_PRIVATE: "1",
    DOCKYARD_OUTBOX_RETRY_SECONDS: "0.5",
    DOCKYARD_OUTBOX_MAX_RETRY_SECONDS: "2",
    DOCKYARD_OUTBOX_MAX_ATTEMPTS: "1000",
    DOCKYARD_OUTBOX_POLL_SECONDS: "0.25",
  },
});
const driver = new DockerSandboxDriver();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The data of the events this test causes (README "Webhooks"). */
interface EventData {
  learner: { id: string; email: string | null };
  lesson: { slug: string; title: string };
  cohortIds: string[];
  step?: { id: string; title: string };
  result?: { passed: boolean };
  hint?: { index: number; of: number };
}

interface Received {
  path: string;
  id: string;
  outcome: "unavailable" | "accepted" | "duplicate" | "rejected";
  error?: string;
  event?: { type: string; timestamp: string; data: EventData };
}

describe("webhooks to a Standard Webhooks receiver that is down at first", { timeout: 600_000 }, () => {
  let m: { db: typeof import("../../app/_lib/db"); endpoints: typeof import("../../app/_lib/webhooks/endpoints") };
  let receiver: ChildProcess | undefined;
  let sandboxId: string | undefined;
  let cookie = "";
  const log = () => path.join(stack.dataDir, "received.jsonl");
  const received = (): Received[] =>
    fs.existsSync(log())
      ? fs
          .readFileSync(log(), "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      : [];
  let main: string;
  let tampered: string;
  const secrets: Record<string, string> = {};

  async function until(what: string, predicate: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }

  const site = (route: string, body?: object) =>
    fetch(`${stack.siteUrl}${route}`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: body && JSON.stringify(body) });

  before(async () => {
    const python = pythonWith("webhook-receiver", ["standardwebhooks==1.1.0"]);
    await stack.reset();
    process.env.DATABASE_URL = `file:${path.join(stack.dataDir, "dockyard.db")}`;
    m = { db: await import("../../app/_lib/db"), endpoints: await import("../../app/_lib/webhooks/endpoints") };
    const url = (p: string) => `http://127.0.0.1:${RECEIVER_PORT}${p}`;
    const made = await m.endpoints.createEndpoint({ url: url("/main"), cohortId: null, events: [], description: "analytics", createdById: "test" });
    main = made.id;
    secrets["/main"] = made.secret;
    const other = await m.endpoints.createEndpoint({ url: url("/tampered"), cohortId: null, events: ["lab.started"], description: "", createdById: "test" });
    tampered = other.id;
    secrets["/tampered"] = other.secret;
    // Someone changed the secret Dockyard signs with: the receiver still holds the one it was given.
    await m.db.db.webhookEndpoint.update({ where: { id: tampered }, data: { secret: m.endpoints.newSecret() } });
    await stack.start();
    startReceiver = () => {
      receiver = spawn(python, ["tests/support/webhook-receiver.py", String(RECEIVER_PORT), log(), JSON.stringify(secrets), "3"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      return new Promise<void>((resolve) => receiver!.stdout!.once("data", () => resolve()));
    };
  });
  let startReceiver: () => Promise<void>;

  after(async () => {
    receiver?.kill("SIGKILL");
    if (sandboxId) await driver.remove(sandboxId).catch(() => undefined);
    await stack.stop();
    await m?.db.db.$disconnect();
  });

  const messagesOf = (endpoint: string) => m.db.db.outboxMessage.findMany({ where: { kind: "webhook", target: endpoint } });

  test("every event of a learner's real actions arrives once, verified, despite the receiver being down and the site killed", async () => {
    // Start the lab through the site, as the lesson page does: it sets the learner's session cookie.
    const started = await site(`/api/labs/${LESSON}`);
    assert.equal(started.status, 200);
    cookie = started.headers.get("set-cookie")!.split(";")[0]!;
    const access = (await started.json()) as { sandboxId: string; token: string; terminalUrl: string };
    sandboxId = access.sandboxId;
    const t = new TerminalClient(`${access.terminalUrl}?token=${encodeURIComponent(access.token)}`);
    await t.ready(180_000);

    const check = async () => (await (await site(`/api/labs/${LESSON}/steps/hello-busybox/check`, { origin: "asked" })).json()) as { passed: boolean };
    assert.equal((await check()).passed, false);
    t.type("docker run busybox echo hello world\r");
    await t.waitForText(/^hello world\r?$/m, 60_000);
    assert.equal((await check()).passed, true);
    t.close();
    assert.equal((await site(`/api/lessons/${LESSON}/steps/figlet/help`, { kind: "hint", index: 0 })).status, 200);
    assert.equal((await site(`/api/lessons/${LESSON}/steps/figlet/help`, { kind: "solution", index: 0 })).status, 200);
    // Opening the running lab again starts nothing: no second lab.started.
    assert.equal((await site(`/api/labs/${LESSON}`)).status, 200);

    // The receiver is down (nothing listens): every delivery fails, and is tried again with back-off.
    await until("every delivery to have failed at least twice", async () => (await messagesOf(main)).every((msg) => msg.attempts >= 2));
    const pending = await messagesOf(main);
    assert.deepEqual(pending.map((msg) => msg.topic).sort(), [
      "check.attempted",
      "check.attempted",
      "hint.revealed",
      "lab.started",
      "solution.revealed",
      "step.passed",
    ]);
    for (const msg of pending) {
      assert.equal(msg.deliveredAt, null);
      assert.equal(msg.lastStatus, null);
      assert.match(msg.lastResponse!, /No answer: .*ECONNREFUSED/);
      assert.ok(msg.nextAttemptAt > msg.lastAttemptAt!, "the next attempt waits");
    }

    // The site is killed with the deliveries pending; the receiver comes up (answering 503 to its first three requests) while the site is down.
    await stack.crash("site");
    await startReceiver();
    await sleep(1000);
    assert.deepEqual(received(), [], "nothing is sent while the site is down");
    await stack.startSite();
    await until("every delivery to be accepted", async () => (await messagesOf(main)).every((msg) => msg.deliveredAt), 120_000);

    const log = received();
    assert.deepEqual(
      log.slice(0, 3).map((r) => r.outcome),
      ["unavailable", "unavailable", "unavailable"],
    );
    const accepted = log.filter((r) => r.path === "/main" && r.outcome === "accepted");
    const ids = (await messagesOf(main)).map((msg) => msg.id).sort();
    assert.deepEqual(accepted.map((r) => r.id).sort(), ids, "each event accepted exactly once, by its webhook-id");
    assert.deepEqual(
      log.filter((r) => r.path === "/main" && r.outcome === "rejected"),
      [],
      "every delivery verified",
    );

    // What arrived is what the learner did.
    const events = accepted.map((r) => r.event!);
    const learner = events[0]!.data.learner.id;
    assert.equal(sandboxIdFor(learner, LESSON), sandboxId, "the learner whose lab it is");
    const passed = events.find((e) => e.type === "step.passed")!;
    assert.deepEqual(passed.data, {
      learner: { id: learner, email: null },
      lesson: { slug: LESSON, title: "Your first container" },
      cohortIds: [],
      step: { id: "hello-busybox", title: "Say hello from a container" },
    });
    const checks = events.filter((e) => e.type === "check.attempted").map((e) => e.data.result!.passed);
    assert.deepEqual(checks.sort(), [false, true]);
    assert.deepEqual(events.find((e) => e.type === "hint.revealed")!.data.hint, { index: 0, of: 2 });
    assert.equal(events.find((e) => e.type === "solution.revealed")!.data.step!.id, "figlet");
  });

  test("deliveries signed with a tampered secret are refused by the receiver and stay undelivered, with its answer in the log", async () => {
    await until("the tampered endpoint's delivery to be refused", () => received().some((r) => r.path === "/tampered" && r.outcome === "rejected"));
    const refused = received().filter((r) => r.path === "/tampered");
    assert.ok(refused.every((r) => r.outcome === "rejected" || r.outcome === "unavailable"));
    assert.equal(refused.find((r) => r.outcome === "rejected")!.error, "No matching signature found");
    const [msg] = await messagesOf(tampered);
    assert.equal(msg!.topic, "lab.started");
    assert.equal(msg!.deliveredAt, null);
    const log = await m.endpoints.deliveryLog(tampered);
    assert.equal(log.length, 1);
    assert.equal(log[0]!.lastStatus, 400);
    assert.equal(log[0]!.lastResponse, "signature: No matching signature found");
    assert.ok(["waiting", "sending"].includes(log[0]!.state));
  });
});
