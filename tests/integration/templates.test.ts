import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { stateDir } from "@dockyard/contract/server";
import type { SandboxSpec } from "../../lab-runner/src/sandbox/driver";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { dockerContext } from "../../lab-runner/src/sandbox/docker/context";
import { NodeTemplates, templateKey } from "../../lab-runner/src/sandbox/docker/templates";

// Node disks cloned from their image set's template (lab-runner/src/sandbox/docker/templates.ts), on the real
// engine: the course images are there without a `docker load`, a changed input makes a new template, and clones
// write to blocks of their own.

const FIRST_LESSON = ["busybox", "hello-world", "debian"];
const driver = new DockerSandboxDriver();
const templates = new NodeTemplates(dockerContext({}));
const started = new Set<string>();

async function start(spec: Omit<SandboxSpec, "learnerId"> & { learner: string }) {
  const sandbox = await driver.start({ ...spec, learnerId: `templates-${spec.learner}-${process.pid}` });
  started.add(sandbox.id);
  return sandbox;
}

async function sh(id: string, script: string, node?: string): Promise<string> {
  const result = await driver.exec(id, ["sh", "-c", script], { timeoutMs: 30_000, node });
  assert.equal(result.exitCode, 0, result.output);
  return result.output.trim();
}

const diskFile = (container: string) => path.join(stateDir(), "nodes", "disks", `${container}.ext4`);
/** Whether the file shares blocks with another (a reflink clone's do, until written). */
const sharesBlocks = (file: string) => / shared$/m.test(execFileSync("filefrag", ["-v", file], { encoding: "utf8" }));

describe("node disk templates", { timeout: 600_000 }, () => {
  after(async () => {
    await Promise.all([...started].map((id) => driver.remove(id)));
  });

  test("a node cloned from its image set's template has the course images, and loaded none", async () => {
    const template = await templates.ensure(FIRST_LESSON);
    const lab = await start({ learner: "images", lessonSlug: "first-container", images: FIRST_LESSON });
    assert.ok(sharesBlocks(diskFile(lab.id)), "the node's disk is a clone");
    assert.ok(fs.existsSync(template), "the template is kept");
    assert.equal(await sh(lab.id, "cat /var/log/dockyard-images.log 2>/dev/null | wc -c"), "0", "nothing was loaded");
    assert.deepEqual((await sh(lab.id, "docker image ls --format '{{.Repository}}:{{.Tag}}' | sort")).split("\n"), [
      "busybox:1.35",
      "busybox:latest",
      "debian:bookworm",
      "debian:latest",
      "hello-world:latest",
    ]);
    assert.equal(await sh(lab.id, "docker run --rm busybox echo from-the-template"), "from-the-template");
  });

  test("a changed image set or course image gets a template of its own, and the old one of that set goes", async () => {
    const keyOf = async (images: string[]) => templateKey(await templates.inputsOf(images));
    assert.notEqual(await keyOf(["hello-world"]), await keyOf(["busybox", "hello-world"]), "another set");
    assert.equal(await keyOf(["hello-world", "hello-world"]), await keyOf(["hello-world"]), "the same set");

    const before = await templates.ensure(["hello-world"]);
    const tar = path.join(stateDir(), "images", "course", "hello-world.tar");
    const { atime, mtime } = fs.statSync(tar);
    // images.sh rewrites a tar only when its image changed: a new modification time is a new image
    fs.utimesSync(tar, atime, new Date(mtime.getTime() + 1000));
    try {
      const changed = await templates.ensure(["hello-world"]);
      assert.notEqual(changed, before, "a new template");
      assert.ok(fs.existsSync(changed));
      assert.equal(fs.existsSync(before), false, "the old one of the set is removed");
      const lab = await start({ learner: "changed", lessonSlug: "first-container", images: ["hello-world"] });
      assert.equal(await sh(lab.id, "cat /var/log/dockyard-images.log 2>/dev/null | wc -c"), "0", "nothing was loaded");
      assert.equal(await sh(lab.id, "docker image ls --format '{{.Repository}}:{{.Tag}}'"), "hello-world:latest");
    } finally {
      fs.utimesSync(tar, atime, mtime);
    }
  });

  test("nodes cloned from one template do not share what they write, and the template stays as it was", async () => {
    const template = await templates.ensure(FIRST_LESSON);
    const written = () => (({ mtimeMs, ctimeMs, size, blocks }) => ({ mtimeMs, ctimeMs, size, blocks }))(fs.statSync(template));
    const before = written();
    const lab = await start({ learner: "two-nodes", lessonSlug: "first-container", images: FIRST_LESSON, nodes: 2 });
    await sh(lab.id, "echo mine > /root/mine && docker tag busybox mine:1 && docker volume create minevol >/dev/null && docker rmi hello-world >/dev/null");
    assert.equal(await sh(lab.id, "ls /root/mine 2>&1 || true", "node2"), "ls: cannot access '/root/mine': No such file or directory");
    const images = "docker image ls --format '{{.Repository}}:{{.Tag}}' | sort | tr '\\n' ' '";
    assert.equal(await sh(lab.id, images, "node2"), "busybox:1.35 busybox:latest debian:bookworm debian:latest hello-world:latest");
    assert.equal(await sh(lab.id, "docker volume ls -q", "node2"), "");
    assert.equal(await sh(lab.id, images), "busybox:1.35 busybox:latest debian:bookworm debian:latest mine:1");

    const next = await start({ learner: "next", lessonSlug: "first-container", images: FIRST_LESSON });
    assert.equal(await sh(next.id, images), "busybox:1.35 busybox:latest debian:bookworm debian:latest hello-world:latest");
    assert.equal(await sh(next.id, "ls /root/mine 2>&1 || true"), "ls: cannot access '/root/mine': No such file or directory");
    assert.deepEqual(written(), before, "the template was not written");
  });
});
