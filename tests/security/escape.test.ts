import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import type { Sandbox } from "../../lab-runner/src/sandbox/driver";
import { engineSocket } from "@dockyard/contract/server";

// Escape attempts (tests/security/escape.sh) against the REAL engine, as sandbox root and from inner
// containers with every privilege the sandbox can hand out. The host must stay untouched.
// Prerequisites: `bash scripts/engine.sh start` and `bash scripts/images.sh`.

const CORE_PATTERN = "/proc/sys/kernel/core_pattern";
const script = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), "escape.sh"), "utf8");
const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-escape-"));
const marker = path.join(hostDir, "HOST_MARKER");
const pwned = path.join(hostDir, "pwned_by_sandbox");
const corePatternBefore = fs.readFileSync(CORE_PATTERN, "utf8");
const run = `sec${process.pid}`;
const created: { driver: DockerSandboxDriver; id: string }[] = [];

before(async () => {
  if (!fs.existsSync(engineSocket()))
    throw new Error(`Dockyard's engine socket ${engineSocket()} is missing: run \`bash scripts/engine.sh start\` and \`bash scripts/images.sh\` first`);
  await new Dockerode({ socketPath: engineSocket() }).ping();
  fs.writeFileSync(marker, "hostsecret\n");
});

after(async () => {
  for (const { driver, id } of created) await driver.remove(id);
  if (fs.readFileSync(CORE_PATTERN, "utf8") !== corePatternBefore) fs.writeFileSync(CORE_PATTERN, corePatternBefore);
  fs.rmSync(hostDir, { recursive: true, force: true });
});

async function boot(driver: DockerSandboxDriver, learner: string): Promise<Sandbox> {
  const sandbox = await driver.start({ learnerId: `${run}-${learner}`, lessonSlug: "escape", images: ["busybox"] });
  created.push({ driver, id: sandbox.id });
  const copy = await driver.exec(sandbox.id, ["sh", "-c", "cat > /tmp/escape.sh"], { stdin: script });
  assert.equal(copy.exitCode, 0, copy.output);
  return sandbox;
}

const envArgs = `HOST_MARKER=${marker} PWNED=${pwned}`;

async function attempt(driver: DockerSandboxDriver, id: string, command: string): Promise<string> {
  const result = await driver.exec(id, ["sh", "-c", command], { timeoutMs: 60_000 });
  console.log(result.output.replace(/^/gm, "#   "));
  return result.output;
}

function assertHostUntouched(output: string): void {
  const holes = output.split("\n").filter((line) => /SUCCEEDED/.test(line));
  assert.deepEqual(holes, [], "escape attempts that succeeded");
  // Every attempt ran to its verdict (a script that stopped early would hide the ones after).
  for (const attempt of [
    /^insmod.*\| .*(not permitted|does not support)/m,
    /^read \/proc\/kcore \| 0 bytes/m,
    /^(mknod|read) \/dev\/mem.* \| .*(not permitted|denied)/m,
    /^set the clock \(date -s\) \| .*not permitted/m,
    /^platform socket \/var\/lib\/dockyard\/engine\/docker.sock \| absent/m,
  ])
    assert.match(output, attempt);
  assert.match(output, /HOST_MARKER via \/proc\/\*\/root.*\| hits=0/, "the host marker stayed unreadable");
  assert.equal(fs.readFileSync(CORE_PATTERN, "utf8"), corePatternBefore, "host core_pattern unchanged");
  assert.equal(fs.existsSync(pwned), false, "nothing ran the pwned path on the host");
}

describe("sandbox escapes (recipe caps)", () => {
  const driver = new DockerSandboxDriver();
  let sandbox: Sandbox;

  test("as sandbox root", async () => {
    sandbox = await boot(driver, "recipe");
    const out = await attempt(driver, sandbox.id, `env ${envArgs} sh /tmp/escape.sh`);
    assert.match(out, /uid_map: +0 +[1-9]\d* /, "sandbox root is remapped");
    assertHostUntouched(out);
  });

  test("from the most privileged inner container the recipe allows", async () => {
    const out = await attempt(
      driver,
      sandbox.id,
      `docker run --rm --pid host --net host --cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined ` +
        `--security-opt apparmor=unconfined -e HOST_MARKER=${marker} -e PWNED=${pwned} -v /tmp/escape.sh:/escape.sh:ro busybox sh /escape.sh`,
    );
    assert.match(out, /uid_map/, "the inner container ran");
    assertHostUntouched(out);
  });

  test("inner --privileged is refused under recipe caps", async () => {
    const out = await attempt(driver, sandbox.id, "docker run --rm --privileged busybox true; echo exit=$?");
    assert.match(out, /exit=[1-9]/, "inner --privileged needs the all-in-userns capability variant");
  });
});

describe("sandbox escapes (all caps inside the user namespace)", () => {
  const driver = new DockerSandboxDriver({ capabilities: "all-in-userns" });
  let sandbox: Sandbox;

  test("as sandbox root", async () => {
    sandbox = await boot(driver, "allcaps");
    const out = await attempt(driver, sandbox.id, `env ${envArgs} sh /tmp/escape.sh`);
    assertHostUntouched(out);
  });

  test("from an inner docker run --privileged --cap-add ALL container", async () => {
    const out = await attempt(
      driver,
      sandbox.id,
      `docker run --rm --privileged --cap-add ALL --pid host --net host -e HOST_MARKER=${marker} -e PWNED=${pwned} ` +
        `-v /tmp/escape.sh:/escape.sh:ro busybox sh /escape.sh`,
    );
    assert.match(out, /uid_map/, "the inner privileged container ran");
    assertHostUntouched(out);
  });
});
