import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { issueAdminToken, sandboxIdFor, type HostStatus } from "@dockyard/contract/server";
import { Stack } from "../support/stack";
import { labClient } from "../support/lab-client";
import { ownerOf } from "../../lab-runner/src/http/shards";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// Two real lab-runner replicas on loopback, one Docker engine, as a StatefulSet of two runs them (each its own data
// directory, the same secret): a lab owned by replica 1 is used wholly through replica 0 (terminal WebSocket, a web
// preview, a check), lives in replica 1's process (the admins' status of either replica shows it, but only replica 1
// answers for it as its own), and replica 0, whose idle timeout is seconds, neither lists nor culls nor adopts it,
// while it does cull a lab of its own.

const LESSON = "first-container";
const PEER_URL = "http://127.0.0.1:352{i}"; // replica i listens on 352i
const replicas = [0, 1].map(
  (i) =>
    new Stack({
      name: `runner-replica-${i}`,
      sitePort: 3530 + i, // no site: the test speaks to the lab-runners as the site would
      runnerPort: 3520 + i,
      env: {
        DOCKYARD_RUNNER_REPLICAS: "2",
        DOCKYARD_RUNNER_REPLICA: String(i),
        DOCKYARD_RUNNER_PEER_URL: PEER_URL,
        DOCKYARD_REAP_INTERVAL_SECONDS: "1",
        DOCKYARD_IDLE_TIMEOUT_MINUTES: i === 0 ? "0.05" : "30", // replica 0 culls what it thinks its own after 3 s
      },
    }),
);
const [replica0, replica1] = replicas as [Stack, Stack];
const driver = new DockerSandboxDriver();
const learners: string[] = [];

/** A learner whose lab of the lesson the given replica owns. */
function learnerOwnedBy(replica: number): string {
  for (let i = 0; ; i++) {
    const learner = `replicas-${process.pid}-${i}`;
    if (ownerOf(sandboxIdFor(learner, LESSON), 2) === replica && !learners.includes(learner)) {
      learners.push(learner);
      return learner;
    }
  }
}

/** The admins' status as the site gets it from this replica (every replica's labs), or only the replica's `own`. */
async function status(stack: Stack, own = false): Promise<HostStatus> {
  const token = issueAdminToken(stack.secret, { admin: "replicas-test" }, 60);
  const headers = { authorization: `Bearer ${token}`, ...(own ? { "x-dockyard-forwarded-by": "test" } : {}) };
  const res = await fetch(`${stack.runnerUrl}/admin/status`, { headers });
  assert.equal(res.status, 200);
  return (await res.json()) as HostStatus;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("lab-runner replicas", { timeout: 600_000 }, () => {
  before(async () => {
    const secret = crypto.randomBytes(32).toString("hex");
    for (const stack of replicas) {
      await stack.reset();
      fs.writeFileSync(path.join(stack.dataDir, "secret"), secret, { mode: 0o600 });
      await stack.startRunner();
    }
  });
  after(async () => {
    for (const stack of replicas) await stack.stopRunner();
    for (const learner of learners) await driver.remove(sandboxIdFor(learner, LESSON));
    for (const stack of replicas) fs.rmSync(stack.dataDir, { recursive: true, force: true });
  });

  test("a lab of replica 1 opened through replica 0: terminal, preview and check work, and the lab lives in replica 1", async () => {
    const lab = labClient(replica0, learnerOwnedBy(1), LESSON);
    const t = lab.terminal();
    await t.ready();
    t.type("echo replica-$((6*7))\r");
    await t.waitForText("replica-42");

    t.type(`docker run -d -p 8080:80 busybox sh -c 'mkdir /www && echo "<h1>Hello through replica 0</h1>" > /www/index.html && httpd -f -p 80 -h /www'\r`);
    t.type("docker run busybox echo hello world\r");
    await t.waitForText("hello world");

    const prefix = `${replica0.runnerUrl}/preview/${lab.sandbox}/node1/8080/`;
    const opened = await fetch(`${prefix}?token=${encodeURIComponent(lab.token)}`, { redirect: "manual" });
    assert.equal(opened.status, 303);
    const cookie = opened.headers.get("set-cookie")!.split(";")[0]!;
    let page = "";
    for (let i = 0; i < 50 && !page.includes("Hello through replica 0"); i++, await sleep(200))
      page = await (await fetch(prefix, { headers: { cookie } })).text();
    assert.match(page, /<h1>Hello through replica 0<\/h1>/);

    const check = await lab.check("hello-busybox");
    assert.equal(check.status, 200);
    assert.equal((check.body as { passed: boolean }).passed, true);

    // The lab is replica 1's: its process holds the shell (connected) and the recording; replica 0 lists nothing of it.
    const held = (await status(replica1, true)).labs.find((l) => l.id === lab.sandbox);
    assert.equal(held?.state, "running");
    assert.equal(held?.connected, true);
    assert.ok(fs.existsSync(path.join(replica1.dataDir, "recordings", lab.sandbox)), "replica 1 records the terminal");
    assert.ok(!fs.existsSync(path.join(replica0.dataDir, "recordings", lab.sandbox)), "replica 0 records nothing of it");
    assert.equal(
      (await status(replica0, true)).labs.find((l) => l.id === lab.sandbox),
      undefined,
    );
    // The admins' host view, asked of replica 0, gathers replica 1's labs too.
    assert.equal((await status(replica0)).labs.find((l) => l.id === lab.sandbox)?.connected, true);
    t.close();
  });

  test("replica 0 culls its own idle lab, but neither culls nor adopts replica 1's", async () => {
    const theirs = labClient(replica0, learnerOwnedBy(1), LESSON);
    const mine = labClient(replica0, learnerOwnedBy(0), LESSON);
    for (const lab of [theirs, mine]) {
      const t = lab.terminal();
      await t.ready();
      t.close();
    }
    await replica0.stopRunner(); // a restart: replica 0 adopts what it finds of its own
    await replica0.startRunner();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(await driver.get(mine.sandbox))?.suspendedAt) await sleep(500);
    assert.ok((await driver.get(mine.sandbox))?.suspendedAt, "replica 0 suspended its own idle lab");
    await sleep(4000); // more rounds past replica 0's idle timeout
    const other = await driver.get(theirs.sandbox);
    assert.equal(other?.running, true, "replica 1's lab runs on");
    assert.equal(other?.suspendedAt, undefined);
    assert.equal(
      (await status(replica0, true)).labs.find((l) => l.id === theirs.sandbox),
      undefined,
    );
    assert.equal((await status(replica1, true)).labs.find((l) => l.id === theirs.sandbox)?.state, "running");
  });
});
