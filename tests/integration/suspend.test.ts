import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import type { ServerMessage } from "@dockyard/contract/server";
import { Stack } from "../support/stack";
import { labClient } from "../support/lab-client";
import { nodeDiskFile } from "../support/disks";
import type { TerminalClient } from "../support/terminal-client";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// Suspend and resume against the real stack: an idle lab is suspended (stopped, everything kept), survives a
// restart of the lab-runner and of Dockyard's engine, and opening its terminal again resumes it with its files,
// volumes and containers, telling the learner since when. Eviction removes the oldest suspended lab first when
// Dockyard's disk is over its high-water mark. Restarts the engine: run it under the heavy lock.

const stack = new Stack({
  name: "suspend-it",
  sitePort: 3260,
  runnerPort: 3261,
  env: { DOCKYARD_IDLE_TIMEOUT_MINUTES: "0.05", DOCKYARD_REAP_INTERVAL_SECONDS: "1" },
});
const driver = new DockerSandboxDriver();
const run = `suspend-${process.pid}`;
const LABS = [0, 1, 2, 3].map((n) => labClient(stack, `${run}-${n}`, "volumes"));
type Lab = (typeof LABS)[number];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** Types a command and waits for what it prints (a pattern the command line itself does not contain). */
async function shell(t: TerminalClient, command: string, output: RegExp): Promise<void> {
  t.type(`${command}\r`);
  await t.waitForText(output, 60_000);
}

const suspended = (sandbox: string) => until(async () => (await driver.get(sandbox))?.suspendedAt, `${sandbox} to be suspended`);

describe("suspend and resume", { timeout: 900_000 }, () => {
  before(async () => {
    await stack.reset();
    await stack.startRunner();
  });
  after(async () => {
    execFileSync("bash", ["scripts/engine.sh", "start"], { stdio: "ignore" }); // whatever a failed test left
    await stack.stop();
    for (const l of LABS) await driver.remove(l.sandbox).catch(() => undefined);
  });

  test("suspended, then the lab-runner and the engine restarted: opening it resumes it with its file, volume and container", async () => {
    const l = LABS[0]!;
    const t = l.terminal();
    await t.ready(120_000);
    await shell(t, "echo kept-$((20+1)) > /root/kept; echo written-$((1+1))", /written-2/);
    await shell(t, "docker volume create keepvol && echo volume-$((1+2))", /volume-3/);
    await shell(
      t,
      "docker run -d --name keep -v keepvol:/data busybox sh -c 'echo in-$((3+4)) > /data/v; sleep 86400' >/dev/null && echo ran-$((2+2))",
      /ran-4/,
    );
    t.close();

    const since = await suspended(l.sandbox);
    const node = await driver.get(l.sandbox);
    assert.deepEqual([node?.running, node?.nodes], [false, ["node1"]], "stopped, not removed");
    assert.ok(fs.existsSync(nodeDiskFile(l.sandbox)), "its disk is kept");

    await stack.stopRunner();
    execFileSync("bash", ["scripts/engine.sh", "stop"], { stdio: "ignore" });
    execFileSync("bash", ["scripts/engine.sh", "start"], { stdio: "ignore" });
    await stack.startRunner();
    await sleep(5000); // reaping rounds past the idle timeout: the restarted lab-runner leaves a suspended lab be
    assert.equal((await driver.get(l.sandbox))?.suspendedAt?.getTime(), since.getTime(), "still suspended, since the same time");

    const again = l.terminal();
    await again.ready(120_000);
    const told = again.messages.filter((m): m is Extract<ServerMessage, { type: "resumed" }> => m.type === "resumed");
    assert.deepEqual(told, [{ type: "resumed", suspendedAt: since.toISOString() }], "the learner is told the lab was resumed, and since when");
    assert.deepEqual(
      again.messages.find((m) => m.type === "stage"),
      { type: "stage", stage: "network", detail: "resuming your lab" },
    );
    await shell(again, "cat /root/kept", /\rkept-21\r\n/);
    await shell(again, "docker inspect -f 'container-{{.Name}}' keep", /\rcontainer-\/keep\r\n/);
    await shell(again, "docker run --rm -v keepvol:/data busybox cat /data/v", /\rin-7\r\n/);
    again.close();
  });

  test("eviction: over the disk's high-water mark, suspended labs are removed oldest first until it is under", async () => {
    const [resumed, oldest, middle, newest] = LABS as [Lab, Lab, Lab, Lab];
    await driver.remove(resumed.sandbox); // suspended again since: it would be the oldest
    for (const l of [oldest, middle, newest]) {
      const t = l.terminal();
      await t.ready(120_000);
      if (l === middle) await shell(t, "head -c 800m /dev/urandom > /root/big && echo big-$((5+5))", /big-10/);
      t.close();
      await suspended(l.sandbox);
    }
    await stack.stopRunner();
    const { usedBytes: used, limitBytes: limit } = (await driver.storageUsage())!; // what eviction watches: the nodes' disks' filesystem
    const middleDisk = (await fs.promises.stat(nodeDiskFile(middle.sandbox))).blocks * 512;
    // Over the mark now, still over it once a small lab's disk is gone, under it once the middle one's is. So oldest
    // first removes the oldest and the middle one and keeps the newest; newest first would keep the oldest, and
    // biggest first would keep both small ones.
    stack.env.DOCKYARD_DISK_HIGH_WATER_PERCENT = String(((used - middleDisk / 2) / limit) * 100);
    await stack.startRunner();
    await until(async () => !(await driver.get(middle.sandbox)), "the middle suspended lab to be removed");
    await sleep(5000); // a few more rounds
    assert.deepEqual(
      await Promise.all([oldest, middle, newest].map(async (l) => Boolean((await driver.get(l.sandbox))?.suspendedAt))),
      [false, false, true],
      "the oldest and the middle one are removed, the newest is kept: the disk is under the mark again",
    );
  });
});
