import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import Dockerode from "dockerode";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import type { Sandbox, SandboxSpec } from "../../lab-runner/src/sandbox/driver";
import { BOOT_STAGES, type BootStage, engineSocket } from "@dockyard/contract/server";
import { assertDisksGone, nodeDisksOf } from "../support/disks";

// Against the REAL engine. Prerequisites: `bash scripts/engine.sh start` and `bash scripts/images.sh`.

const run = `it${process.pid}`;
const specA: SandboxSpec = { learnerId: `${run}-alice`, lessonSlug: "first-container", images: ["busybox", "hello-world"] };
const specB: SandboxSpec = { learnerId: `${run}-bob`, lessonSlug: "first-container", images: ["busybox"] };

const driver = new DockerSandboxDriver();
const engine = new Dockerode({ socketPath: engineSocket() });
const created = new Set<string>();

async function start(spec: SandboxSpec, onStage?: (s: BootStage, d?: string) => void): Promise<Sandbox> {
  const sandbox = await driver.start(spec, onStage);
  created.add(sandbox.id);
  return sandbox;
}

async function sh(id: string, script: string, timeoutMs = 30_000) {
  return driver.exec(id, ["sh", "-c", script], { timeoutMs });
}

before(async () => {
  if (!fs.existsSync(engineSocket()))
    throw new Error(`Dockyard's engine socket ${engineSocket()} is missing: run \`bash scripts/engine.sh start\` and \`bash scripts/images.sh\` first`);
  await engine.ping().catch((err) => {
    throw new Error(`Dockyard's engine at ${engineSocket()} does not answer (${err}): run \`bash scripts/engine.sh start\``);
  });
  await engine
    .getImage("dockyard/sandbox:latest")
    .inspect()
    .catch(() => {
      throw new Error("image dockyard/sandbox:latest is missing: run `bash scripts/images.sh`");
    });
});

after(async () => {
  for (const id of created) await driver.remove(id);
});

describe("docker sandbox driver", () => {
  let a: Sandbox;
  let b: Sandbox;

  test("a cold start reports every boot stage in order", async () => {
    const stages: BootStage[] = [];
    const t0 = performance.now();
    a = await start(specA, (stage) => stages.push(stage));
    console.log(`# cold start until ready: ${Math.round(performance.now() - t0)} ms`);
    assert.deepEqual(stages, [...BOOT_STAGES]);
    assert.equal(a.running, true);
    assert.match(a.id, /^dy-[0-9a-f]{20}$/);
  });

  test("concurrent starts of one sandbox share a single boot", async () => {
    const [one, two] = await Promise.all([start(specB), start(specB)]);
    b = one;
    assert.equal(one.id, two.id);
    const containers = await engine.listContainers({ all: true, filters: { name: [one.id] } });
    assert.equal(containers.length, 1);
  });

  test("inner docker runs the loaded course images without pulling", async () => {
    const hello = await sh(a.id, "docker run --rm --pull never busybox echo hello world");
    assert.equal(hello.exitCode, 0, hello.output);
    assert.match(hello.output, /hello world/);
    const greeting = await sh(a.id, "docker run --pull never hello-world");
    assert.equal(greeting.exitCode, 0, greeting.output);
    assert.match(greeting.output, /Hello from Dockyard!/);
  });

  test("docker exec works in an inner container whose process is not root", async () => {
    const exec = await sh(
      a.id,
      "docker run -d --name as-user --user 1000 busybox sleep 60 >/dev/null && docker exec as-user id -u && docker rm -f as-user >/dev/null",
    );
    assert.equal(exec.exitCode, 0, exec.output);
    assert.match(exec.output, /^1000$/m);
  });

  test("innerDocker talks to the sandbox's own engine", async () => {
    const tags = (await driver.innerDocker(a.id).listImages()).flatMap((i) => i.RepoTags ?? []);
    assert.ok(tags.includes("busybox:latest") && tags.includes("hello-world:latest"), tags.join(","));
    const containers = await driver.innerDocker(a.id).listContainers({ all: true });
    assert.ok(
      containers.some((c) => c.Image === "hello-world"),
      "the hello-world container from the previous test",
    );
  });

  test("exec merges output, passes stdin, reports exit codes and enforces timeouts", async () => {
    const merged = await driver.exec(a.id, ["sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert.equal(merged.exitCode, 3);
    assert.match(merged.output, /out/);
    assert.match(merged.output, /err/);
    const piped = await driver.exec(a.id, ["cat"], { stdin: "piped text\n" });
    assert.equal(piped.output, "piped text\n");
    const t0 = performance.now();
    await assert.rejects(driver.exec(a.id, ["sleep", "30"], { timeoutMs: 500 }), /timed out after 500 ms/);
    assert.ok(performance.now() - t0 < 5_000);
    const leftover = await sh(a.id, "pgrep -x sleep || true");
    assert.equal(leftover.output.trim(), "", "the timed-out command was killed");
  });

  test("the container runs unprivileged with the measured caps, seccomp and resource limits", async () => {
    const { HostConfig: hc } = await engine.getContainer(a.id).inspect();
    assert.equal(hc.Privileged, false);
    assert.equal(hc.Memory, 1024 ** 3);
    assert.equal(hc.NanoCpus, 1e9);
    assert.equal(hc.PidsLimit, 512);
    assert.deepEqual(hc.CapDrop, ["ALL"]);
    assert.ok(hc.CapAdd?.includes("SYS_ADMIN") && hc.CapAdd.includes("NET_ADMIN") && !hc.CapAdd.includes("SYS_MODULE"));
    assert.ok(hc.SecurityOpt?.some((o: string) => o.startsWith("seccomp=")));
    const uidMap = await sh(a.id, "cat /proc/self/uid_map");
    assert.match(uidMap.output, /^\s*0\s+[1-9]\d*\s+\d+/, "sandbox root is not host root");
  });

  test("start() of a running sandbox returns quickly", async () => {
    const stages: BootStage[] = [];
    const t0 = performance.now();
    const again = await start(specA, (s) => stages.push(s));
    const ms = performance.now() - t0;
    assert.equal(again.id, a.id);
    assert.deepEqual(stages, ["ready"]);
    assert.ok(ms < 1_000, `took ${ms} ms`);
  });

  test("a fresh driver instance finds the sandboxes by their labels", async () => {
    const fresh = new DockerSandboxDriver();
    const found = (await fresh.list()).find((s) => s.id === a.id);
    assert.ok(found, "list() found sandbox A");
    assert.equal(found.learnerId, specA.learnerId);
    assert.equal(found.lessonSlug, specA.lessonSlug);
    assert.equal(found.running, true);
    assert.ok(found.createdAt.getTime() > Date.now() - 10 * 60_000);
    assert.equal((await fresh.get(a.id))?.learnerId, specA.learnerId);
    assert.equal(await fresh.get("dy-00000000000000000000"), undefined);
  });

  test("a dead sandbox is removed and recreated on start()", async () => {
    const before = await engine.getContainer(b.id).inspect();
    await engine.getContainer(b.id).kill();
    const revived = await start(specB);
    const afterInfo = await engine.getContainer(revived.id).inspect();
    assert.notEqual(afterInfo.Id, before.Id);
    const echo = await sh(revived.id, "docker run --rm busybox echo revived");
    assert.match(echo.output, /revived/);
  });

  test("the login shell command works under a pty", async () => {
    const pty = await import("node-pty");
    const { file, args, env } = driver.shellCommand(a.id);
    const term = pty.spawn(file, args, { cols: 100, rows: 30, env });
    let output = "";
    term.onData((d) => (output += d));
    term.write("echo shell-ok-$((40+2)); exit\r");
    const code = await new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    assert.equal(code, 0, output);
    assert.match(output, /shell-ok-42/);
    assert.match(output, /first-container/, "prompt shows the lab's hostname");
  });

  test("remove() leaves no container, disk, network or host directory behind", async () => {
    const info = await engine.getContainer(b.id).inspect();
    const disks = nodeDisksOf(info.Mounts);
    assert.equal(disks.length, 1, "the node's own disk");
    assert.ok(fs.readFileSync("/proc/self/mounts", "utf8").includes(` ${disks[0]} ext4 `), "mounted while the sandbox lives");
    const network = Object.keys(info.NetworkSettings.Networks)[0]!;
    await driver.remove(b.id);
    await driver.remove(b.id); // idempotent
    created.delete(b.id);
    await assert.rejects(engine.getContainer(b.id).inspect(), { statusCode: 404 });
    await assert.rejects(engine.getNetwork(network).inspect(), { statusCode: 404 });
    assert.equal(fs.existsSync(`/var/lib/dockyard/sandboxes/${b.id}`), false);
    assertDisksGone(disks);
  });
});
