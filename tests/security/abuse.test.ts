import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import Dockerode from "dockerode";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import type { Sandbox } from "../../lab-runner/src/sandbox/driver";
import { engineSocket } from "@dockyard/contract/server";

// Resource abuse inside a sandbox, against the REAL engine: a fork bomb and memory bombs (in the sandbox and in
// an inner container) are stopped by the sandbox's own limits, while the sandbox itself and a neighbour's keep
// working. How fast a neighbour's terminal echoes meanwhile is measured by `npm run bench`, how soon a bomb in a
// container is killed by `npm run bench:oom`; neither is asserted here.

const run = `abuse${process.pid}`;
const driver = new DockerSandboxDriver({ diskBytes: 2 * 1024 ** 3 }); // a small disk fills fast
const docker = new Dockerode({ socketPath: engineSocket() });
let abuser: Sandbox;
let neighbour: Sandbox;

before(async () => {
  const start = (who: string) => driver.start({ learnerId: `${run}-${who}`, lessonSlug: "abuse", images: ["busybox"] });
  [abuser, neighbour] = await Promise.all([start("abuser"), start("neighbour")]);
});
after(async () => {
  await Promise.all([abuser, neighbour].filter(Boolean).map((s) => driver.remove(s.id)));
});

const sh = (sandbox: Sandbox, script: string, timeoutMs = 60_000) => driver.exec(sandbox.id, ["bash", "-c", script], { timeoutMs });

/** The sandbox still runs commands and its own Docker engine starts containers. */
async function assertWorks(sandbox: Sandbox, what: string) {
  const result = await sh(sandbox, "docker run --rm busybox echo still-working");
  assert.equal(result.exitCode, 0, `${what}: ${result.output}`);
  assert.match(result.output, /still-working/, what);
}

const limits = async (sandbox: Sandbox) => (await docker.getContainer(sandbox.id).inspect()).HostConfig;

describe("resource abuse is contained by the sandbox's limits", () => {
  test("the sandbox has a memory limit without swap, a CPU quota and a process limit", async () => {
    const config = await limits(abuser);
    assert.ok(config.Memory! > 0 && config.Memory === config.MemorySwap, `memory ${config.Memory}, with swap ${config.MemorySwap}`);
    assert.ok(config.NanoCpus! > 0, `NanoCpus ${config.NanoCpus}`);
    assert.ok(config.PidsLimit! > 0, `PidsLimit ${config.PidsLimit}`);
  });

  test("inner containers share a memory cgroup below the sandbox's, with a limit the host set and the sandbox cannot change", async () => {
    const { Id } = await docker.getContainer(abuser.id).inspect();
    const containers = `/sys/fs/cgroup/memory/dockyard/${Id}/containers`; // on the host
    assert.equal(Number(fs.readFileSync(`${containers}/memory.limit_in_bytes`, "utf8")), driver.limits.containersMemoryBytes);
    assert.ok(driver.limits.containersMemoryBytes < (await limits(abuser)).Memory!);
    const inner = (await sh(abuser, "docker run -d busybox sleep 60")).output.trim();
    try {
      assert.ok(fs.existsSync(`${containers}/${inner}`), `the inner container ${inner} is in ${containers}`);
      // The group's 2>&1 also takes bash's own redirection error, so it reaches stdout before "exit=" (stderr did not, always).
      const write = await sh(abuser, "{ echo 8G > /sys/fs/cgroup/memory/containers/memory.limit_in_bytes; } 2>&1; echo exit=$?");
      assert.match(write.output, /Permission denied[\s\S]*exit=1/, write.output);
    } finally {
      await sh(abuser, `docker rm -f ${inner}`);
    }
  });

  test("CPU spinners in many inner containers get the sandbox's CPU quota, no more", async () => {
    const { NanoCpus } = await limits(abuser);
    const { Id } = await docker.getContainer(abuser.id).inspect();
    const usage = () => Number(fs.readFileSync(`/sys/fs/cgroup/cpuacct/dockyard/${Id}/cpuacct.usage`, "utf8")); // ns, on the host
    // --init: as PID 1, sh would ignore timeout's SIGTERM and spin on, starving every later test of the sandbox's CPU
    await sh(abuser, "for i in 1 2 3 4 5 6; do docker run -d --rm --init busybox timeout 8 sh -c 'while :; do :; done' >/dev/null; done");
    await new Promise((r) => setTimeout(r, 1_000));
    const [t0, u0] = [process.hrtime.bigint(), usage()];
    await new Promise((r) => setTimeout(r, 4_000));
    const cpus = (usage() - u0) / Number(process.hrtime.bigint() - t0);
    console.log(`# 6 CPU spinners in inner containers | ${cpus.toFixed(2)} CPUs used, quota ${NanoCpus! / 1e9}`);
    assert.ok(cpus > 0.5 && cpus < (NanoCpus! / 1e9) * 1.2, `${cpus.toFixed(2)} CPUs used under a quota of ${NanoCpus! / 1e9}`);
    await assertWorks(neighbour, "the neighbour while the spinners ran");
  });

  test("a fork bomb hits the process limit; the neighbour and, once it ends, the sandbox work", async () => {
    const { PidsLimit } = await limits(abuser);
    // A bomb that ends by itself after 15 s, so the sandbox can be checked after it without killing everything.
    const bomb = sh(
      abuser,
      `end=$(( $(date +%s) + 15 )); bomb() { [ $(date +%s) -lt $end ] && { bomb & bomb; }; }; bomb 2>/dev/null; wait; echo bomb-done`,
      120_000,
    );
    await new Promise((r) => setTimeout(r, 5_000));
    const peak = await sh(neighbour, "echo neighbour-ok");
    assert.match(peak.output, /neighbour-ok/, "the neighbour answered while the bomb ran");
    const { Id } = await docker.getContainer(abuser.id).inspect(); // read on the host: in the sandbox, nothing more can start
    const pids = Number(fs.readFileSync(`/sys/fs/cgroup/pids/dockyard/${Id}/pids.current`, "utf8"));
    assert.ok(pids > PidsLimit! / 2 && pids <= PidsLimit!, `the bomb ran into the limit: ${pids} processes, limit ${PidsLimit}`);
    await bomb;
    await new Promise((r) => setTimeout(r, 2_000));
    await assertWorks(abuser, "after the fork bomb");
    await assertWorks(neighbour, "the neighbour after the fork bomb");
  });

  test("filling the disk stops at the node's own disk (from the sandbox and from an inner container); freeing it makes it work again", async () => {
    const fill = await sh(
      abuser,
      "echo size=$(df -B1 --output=size /root | tail -1); dd if=/dev/zero of=/root/fill bs=4M 2>&1 | grep -v records; echo avail=$(df -B1 --output=avail /root | tail -1)",
      300_000,
    );
    const number = (name: string) => Number(fill.output.match(new RegExp(`^${name}=\\s*(\\d+)`, "m"))?.[1]);
    assert.ok(number("size") > 1.5 * 1024 ** 3 && number("size") <= 2 * 1024 ** 3, `the node's disk is bounded: ${fill.output}`);
    assert.match(fill.output, /No space left on device/);
    assert.ok(number("avail") < 64 * 1024 ** 2, `full: ${fill.output}`);
    const inner = await sh(abuser, "docker run --rm -v /root:/host busybox sh -c 'dd if=/dev/zero of=/fill bs=1M count=100' 2>&1; echo exit=$?");
    assert.match(inner.output, /No space left on device|exit=[1-9]/, `an inner container cannot write either: ${inner.output}`);
    assert.match(
      (await sh(neighbour, "dd if=/dev/zero of=/root/ok bs=1M count=50 2>&1 && rm /root/ok && echo wrote-fine")).output,
      /wrote-fine/,
      "the neighbour still writes",
    );
    await sh(abuser, "rm -f /root/fill");
    await assertWorks(abuser, "after freeing its disk");
  });

  test("a memory bomb in the sandbox is killed, not the sandbox's engine", async () => {
    const result = await sh(abuser, "head -c 4000m /dev/zero | tail > /dev/null; echo exit=${PIPESTATUS[1]}");
    assert.match(result.output, /exit=137/, `the bomb was killed by the OOM killer: ${result.output}`);
    await assertWorks(abuser, "after the memory bomb");
  });

  test("a memory bomb in an inner container is killed at the containers' own limit, the sandbox's shell answers meanwhile, and the sandbox works on", async () => {
    const before = await driver.limitHits(abuser.id);
    const { Id } = await docker.getContainer(abuser.id).inspect();
    const peak = () => Number(fs.readFileSync(`/sys/fs/cgroup/memory/dockyard/${Id}/containers/memory.max_usage_in_bytes`, "utf8")); // on the host
    fs.writeFileSync(`/sys/fs/cgroup/memory/dockyard/${Id}/containers/memory.max_usage_in_bytes`, "0"); // what earlier tests left
    const bomb = sh(abuser, "docker run --rm busybox sh -c 'head -c 4000m /dev/zero | tail > /dev/null'; echo exit=$?");
    let ended = false;
    void bomb.then(
      () => (ended = true),
      () => (ended = true),
    );
    while (!ended && peak() < driver.limits.containersMemoryBytes / 2) await new Promise((r) => setTimeout(r, 10));
    assert.match((await sh(abuser, "echo shell-answers")).output, /shell-answers/, "the shell answered once the bomb was at work");
    const result = await bomb;
    assert.match(result.output, /exit=(137|1)\b/, result.output);
    const hits = await driver.limitHits(abuser.id);
    assert.ok(hits.containersMemory > before.containersMemory, `the OOM killer ended it at the containers' limit: ${JSON.stringify({ before, hits })}`);
    assert.equal(hits.memory, before.memory, "not at the node's limit");
    assert.match((await sh(abuser, "docker info --format '{{.ServerVersion}}'")).output, /^\d+\.\d+/, "the inner engine survived");
    await assertWorks(abuser, "after the inner memory bomb");
    await assertWorks(neighbour, "the neighbour after the inner memory bomb");
  });
});
