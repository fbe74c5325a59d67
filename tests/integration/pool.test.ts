import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import Dockerode from "dockerode";
import { engineSocket, stateDir, type ServerMessage } from "@dockyard/contract/server";
import { Stack } from "../support/stack";
import { labClient } from "../support/lab-client";
import type { TerminalClient } from "../support/terminal-client";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// The warm pool against the real stack: a lab of the first lesson is claimed from the pool (no boot), a node is
// never handed to a second learner, a claimed node is its lab's (hostname, network, owner, after a lab-runner restart
// too; suspended and resumed like any lab), and the pool refills in the background. Run it under the heavy lock.

const LESSON = "docker-architecture"; // the first lesson: the pool keeps nodes of its image set from the start
const stack = new Stack({ name: "pool-it", sitePort: 3290, runnerPort: 3291, env: { DOCKYARD_POOL_SIZE: "1", DOCKYARD_REAP_INTERVAL_SECONDS: "2" } });
const driver = new DockerSandboxDriver();
const engine = new Dockerode({ socketPath: engineSocket() });
const run = `pool-${process.pid}`;
const [ANN, BOB] = [labClient(stack, `${run}-ann`, LESSON), labClient(stack, `${run}-bob`, LESSON)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const poolFull = () => until(async () => ((await driver.pool.pooled()).get("busybox") ?? 0) >= 1, "the pool to hold a node");

/** Types a command and waits for what it prints (a pattern the command line itself does not contain). */
async function shell(t: TerminalClient, command: string, output: RegExp): Promise<RegExpMatchArray> {
  t.clearText();
  t.type(`${command}\r`);
  await t.waitForText(output, 60_000);
  return t.text.match(output)!;
}

const fromPool = (t: TerminalClient) => t.messages.some((m: ServerMessage) => m.type === "stage" && m.stage === "ready" && m.detail === "from the pool");
const claimOf = (sandbox: string) => JSON.parse(fs.readFileSync(path.join(stateDir(), "sandboxes", sandbox, "claim.json"), "utf8")) as { pooledAs: string };
const exec = async (sandbox: string, script: string) => (await driver.exec(sandbox, ["sh", "-c", script])).output.trim();

describe("warm pool", { timeout: 900_000 }, () => {
  let annNode = ""; // the engine's id of the node Ann's lab had

  before(async () => {
    await stack.reset();
    await stack.startRunner();
  });
  after(async () => {
    await stack.stop();
    for (const l of [ANN, BOB]) await driver.remove(l.sandbox).catch(() => undefined);
    await driver.pool.prune(new Set()); // no pooled node outlives the test
  });

  test("A pooled node is clean. Two learners in a row: the second sees no file, container, image tag, history or environment of the first", async () => {
    await poolFull();
    assert.ok(!(await driver.list()).some((lab) => lab.id.startsWith("dyp-")), "a pooled node is no lab");

    const ann = ANN.terminal();
    await ann.ready(120_000);
    assert.ok(fromPool(ann), "Ann's lab came from the pool");
    annNode = (await engine.getContainer(ANN.sandbox).inspect()).Id;
    await shell(ann, "echo ann-secret-$((6*7)) > /root/ann-file; cp /root/ann-file /tmp/ann-tmp; echo wrote-$((1+1))", /wrote-2/);
    await shell(ann, "export ANN_TOKEN=ann-env-$((2*3)); docker run -d --name ann-box busybox sleep 86400 >/dev/null && echo ran-$((2+1))", /ran-3/);
    await shell(ann, "docker tag busybox ann-image:mine && echo tagged-$((3+1))", /tagged-4/);
    await shell(ann, "history -a; grep -c '^echo ann-secret' ~/.bash_history; echo env-$ANN_TOKEN", /\r1\r\nenv-ann-env-6\r\n/); // the positive control
    ann.close();
    assert.equal((await ANN.remove()).status, 200);
    assert.equal(await driver.get(ANN.sandbox), undefined, "Ann's lab is gone");

    await poolFull(); // refilled in the background
    const bob = BOB.terminal();
    await bob.ready(120_000);
    assert.ok(fromPool(bob), "Bob's lab came from the pool");
    assert.notEqual((await engine.getContainer(BOB.sandbox).inspect()).Id, annNode, "another node than Ann's");
    assert.notEqual(claimOf(BOB.sandbox).pooledAs, undefined);
    const seen = await shell(
      bob,
      'echo "files=$(grep -rls ann- /root /tmp | wc -l) containers=$(docker ps -aq | wc -l) tags=$(docker images -q ann-image | wc -l) history=$(cat ~/.bash_history 2>/dev/null | grep -c ann) env=[${ANN_TOKEN:-}]"',
      /files=(\d+) containers=(\d+) tags=(\d+) history=(\d+) env=\[(.*)\]\r\n/,
    );
    assert.deepEqual(seen.slice(1), ["0", "0", "0", "0", ""], `Bob sees nothing of Ann's: ${seen[0]}`);
    assert.match(
      await exec(BOB.sandbox, "docker images --format '{{.Repository}}:{{.Tag}}'"),
      /^busybox:1\.35\nbusybox:latest$/,
      "only the course image (both its tags)",
    );
    bob.close();
  });

  test("a claimed node has the lesson's hostname, is on the lab's network and not the pool's, and is its learner's after a lab-runner restart", async () => {
    const { pooledAs } = claimOf(BOB.sandbox);
    assert.equal(await exec(BOB.sandbox, 'hostname; cat /etc/hostname; grep -c "$(hostname)$" /etc/hosts'), `${LESSON}\n${LESSON}\n1`);
    const bob = BOB.terminal();
    await bob.ready();
    await shell(bob, "echo prompt-$((5+5))", new RegExp(`prompt-10\r\n[^\r\n]*root@${LESSON}\u001b\\[0m:`)); // the prompt says which machine
    bob.close();
    const node = await engine.getContainer(BOB.sandbox).inspect();
    assert.deepEqual(Object.keys(node.NetworkSettings.Networks), [`${BOB.sandbox}-net`]);
    const gone = () =>
      engine
        .getNetwork(`${pooledAs}-net`)
        .inspect()
        .then(
          () => false,
          (e: { statusCode?: number }) => e.statusCode === 404,
        );
    await until(gone, "the pool network to be removed", 10_000);

    await stack.stopRunner();
    const fresh = new DockerSandboxDriver(); // as a restarted lab-runner sees the engine
    const lab = await fresh.get(BOB.sandbox);
    assert.deepEqual([lab?.learnerId, lab?.lessonSlug, lab?.running, lab?.nodes], [BOB.learner, LESSON, true, ["node1"]]);
    await stack.startRunner();
    const again = BOB.terminal();
    await again.ready();
    assert.ok(!again.messages.some((m) => m.type === "stage" && m.stage !== "ready"), "adopted, not booted again");
    await shell(again, "echo back-$((4+4))", /back-8/);
    again.close();
  });

  test("a claimed node is suspended and resumed as any lab: its files kept, its hostname the lesson's again", async () => {
    await driver.exec(BOB.sandbox, ["sh", "-c", "echo kept-$((10+1)) > /root/kept"]);
    await driver.suspend(BOB.sandbox);
    assert.ok((await driver.get(BOB.sandbox))?.suspendedAt, "suspended");
    const bob = BOB.terminal();
    await bob.ready(120_000);
    assert.ok(
      bob.messages.some((m) => m.type === "resumed"),
      "resumed, not claimed anew",
    );
    assert.equal(await exec(BOB.sandbox, "cat /root/kept; hostname; cat /etc/hostname"), `kept-11\n${LESSON}\n${LESSON}`);
    bob.close();
  });

  test("a pooled node and a lab reach each other by no route (the pool network is a lab network of its own)", async () => {
    await poolFull();
    const [pooled] = await engine.listContainers({ filters: { label: ["dockyard.pool=busybox"], name: ["dyp-"] } });
    const pooledAddress = Object.values(pooled!.NetworkSettings.Networks)[0]!.IPAddress;
    const labAddress = ((await driver.endpoint(BOB.sandbox, "node1", 80)) as { host: string }).host;
    const ping = async (from: string, to: string) =>
      (await driver.exec(from, ["sh", "-c", `busybox ping -c 1 -W 2 ${to} >/dev/null 2>&1; echo $?`])).output.trim();
    assert.equal(await ping(BOB.sandbox, labAddress), "0", "the probe works (the lab's own address answers)");
    assert.notEqual(await ping(BOB.sandbox, pooledAddress), "0", `the lab reaches the pooled node at ${pooledAddress}`);
    assert.notEqual(await ping(pooled!.Names[0]!.slice(1), labAddress), "0", `the pooled node reaches the lab at ${labAddress}`);
  });

  test("the pool refills to its size in the background, and a removed lab takes its claimed node's leftovers with it", async () => {
    const { pooledAs } = claimOf(BOB.sandbox);
    await poolFull();
    assert.equal((await BOB.remove()).status, 200);
    for (const leftover of [path.join(stateDir(), "sandboxes", pooledAs), path.join(stateDir(), "disks", pooledAs)])
      assert.equal(fs.existsSync(leftover) || fs.lstatSync(leftover, { throwIfNoEntry: false }) !== undefined, false, `${leftover} is gone`);
    assert.equal((await driver.pool.pooled()).get("busybox"), 1, "still one pooled node: never more than its size");
  });
});
