import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Dockerode from "dockerode";
import { engineSocket } from "@dockyard/contract/server";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import type { Sandbox } from "../../lab-runner/src/sandbox/driver";
import { pushNewImage, startMirror, startUpstream, type Mirror, type PushedImage, type Upstream } from "../support/registries";

// The registry mirror against the REAL engine and real sandboxes: a docker-registry of the test's own plays Docker
// Hub (the upstream, on loopback) and holds an image no sandbox has seen; Dockyard's mirror (scripts/mirror.sh)
// proxies it. One lab gets the image at boot (its lesson lists it), a second pulls it and is served from the cache
// (the upstream's log shows no further fetch of its layer), then the upstream stops and a pull still works from the
// cache. Pushes to the mirror are refused, and the mirror's port is the only port of the host a lab reaches.
// Prerequisites: `bash scripts/engine.sh start`, `bash scripts/images.sh`, Debian's docker-registry.

const exec = promisify(execFile);
const runId = `mirror${process.pid}`;
const engine = new Dockerode({ socketPath: engineSocket() });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-mirror-test-"));
const sandboxImage = `dockyard/sandbox:${runId}`;
const labs: string[] = [];
const hostService = net.createServer((socket) => socket.end("host service\n"));
let upstream: Upstream | undefined;
let mirror: Mirror | undefined;
let image: PushedImage | undefined;
let driver: DockerSandboxDriver;
let a: Sandbox; // pulls the image itself
let b: Sandbox; // its lesson lists the image
let fetchedOnce = 0; // how many GETs of the image's own layer the upstream answered for the first pull

const sh = async (lab: Sandbox, script: string) => driver.exec(lab.id, ["bash", "-c", script], { timeoutMs: 120_000 });

/** This worktree's sandbox entry and shell setup on top of the engine's sandbox image, so that the test runs what it tests. */
async function buildSandboxImage(): Promise<void> {
  const ctx = path.join(dir, "sandbox-image");
  fs.mkdirSync(ctx);
  fs.copyFileSync("lab-runner/sandbox-image/entry.sh", path.join(ctx, "entry.sh"));
  fs.copyFileSync("lab-runner/sandbox-image/bashrc", path.join(ctx, "bashrc"));
  fs.writeFileSync(path.join(ctx, "Dockerfile"), "FROM dockyard/sandbox:latest\nCOPY entry.sh /usr/local/sbin/dockyard-entry\nCOPY bashrc /root/.bashrc\n");
  await exec("docker", ["-H", `unix://${engineSocket()}`, "build", "-q", "-t", sandboxImage, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "0" } });
}

before(async () => {
  await engine.ping();
  upstream = await startUpstream(path.join(dir, "upstream"));
  image = await pushNewImage(upstream, `dockyard-${runId}`);
  mirror = await startMirror(upstream, path.join(dir, "state"));
  await buildSandboxImage();
  await new Promise<void>((resolve) => hostService.listen(0, "0.0.0.0", resolve));
  driver = new DockerSandboxDriver({ image: sandboxImage, registryMirror: mirror.url, templates: false });
  const boot = async (learner: string, images: string[]) => {
    const lab = await driver.start({ learnerId: `${runId}-${learner}`, lessonSlug: "mirror", images });
    labs.push(lab.id);
    return lab;
  };
  b = await boot("bob", [image.name]);
  a = await boot("alice", []);
});

after(async () => {
  for (const id of labs) await driver.remove(id).catch((err) => console.error(`# removing ${id}: ${err}`));
  await mirror?.stop();
  await upstream?.stop();
  await image?.remove();
  await engine
    .getImage(sandboxImage)
    .remove({ force: true })
    .catch(() => undefined);
  hostService.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a lesson's images may name an image only the mirror has: the node pulls it through the mirror at boot", async () => {
  const r = await sh(b, `docker run --rm ${image!.name} cat /hello.txt`);
  assert.equal(r.exitCode, 0, r.output);
  assert.equal(r.output.trim(), image!.text);
  // docker-registry 2.8 fetches a blob it lacks twice at once: one copy streams to the client, one goes to its cache.
  fetchedOnce = upstream!.blobGets(image!.repository, image!.layer);
  assert.ok(fetchedOnce >= 1 && fetchedOnce <= 2, `the upstream sent the image's layer ${fetchedOnce} times for one pull`);
});

test("a second lab pulls the same image and is served from the mirror's cache", async () => {
  const pull = await sh(a, `docker pull ${image!.name}`);
  assert.equal(pull.exitCode, 0, pull.output);
  const r = await sh(a, `docker run --rm ${image!.name} cat /hello.txt`);
  assert.equal(r.output.trim(), image!.text);
  assert.equal(upstream!.blobGets(image!.repository, image!.layer), fetchedOnce, "the upstream sent nothing more: the mirror's cache served it");
});

test("with the upstream stopped, the mirror's cache still serves the image", async () => {
  await upstream!.stop();
  const r = await sh(a, `docker rmi -f ${image!.name} >/dev/null && docker pull ${image!.name} && docker run --rm ${image!.name} cat /hello.txt`);
  assert.equal(r.exitCode, 0, r.output);
  assert.match(r.output, new RegExp(image!.text));
});

test("an image neither cached nor reachable fails in plain words in the learner's shell", async () => {
  const r = await driver.exec(a.id, ["bash", "-ic", `docker pull ${image!.name}-never-pushed`], { timeoutMs: 120_000 });
  assert.notEqual(r.exitCode, 0, r.output);
  assert.match(r.output, /dockyard: this lab gets images from Docker Hub through Dockyard's registry mirror, which could not get this one/);
});

test("pushes to the mirror are refused, so no lab can change what another pulls", async () => {
  const api = `${mirror!.url}/v2/library/${image!.name}`;
  const upload = await sh(a, `curl -s -w '\\n%{http_code}' -X POST ${api}/blobs/uploads/`);
  // The real manifest under a tag of the lab's choosing: what a lab retagging an image for others would send.
  const schema2 = "application/vnd.docker.distribution.manifest.v2+json";
  const retag = await sh(
    a,
    `m=$(curl -sf -H 'Accept: ${schema2}' ${api}/manifests/latest) && curl -s -w '\\n%{http_code}' -X PUT -H 'Content-Type: ${schema2}' --data "$m" ${api}/manifests/poisoned`,
  );
  for (const r of [upload, retag]) {
    assert.equal(r.exitCode, 0, r.output);
    assert.match(r.output, /UNSUPPORTED/, r.output);
    assert.match(r.output.trim().split("\n").at(-1)!, /^4\d\d$/, r.output);
  }
  const poisoned = await sh(a, `docker pull ${image!.name}:poisoned`);
  assert.notEqual(poisoned.exitCode, 0, poisoned.output);
  const still = await sh(a, `docker rmi -f ${image!.name} >/dev/null && docker pull -q ${image!.name} && docker run --rm ${image!.name} cat /hello.txt`);
  assert.equal(still.output.trim().split("\n").at(-1), image!.text, still.output);
});

test("a lab reaches the mirror's port and no other port of the host", async () => {
  const port = (hostService.address() as net.AddressInfo).port;
  const gateway = (await sh(a, "ip -4 route show default | awk '{ print $3 }'")).output.trim();
  assert.match(gateway, /^10\.214\.\d+\.1$/);
  const probe = async (url: string) => (await sh(a, `curl -s -o /dev/null -m 3 -w '%{http_code}' ${url}; echo " $?"`)).output.trim();
  assert.equal(await probe(`${mirror!.url}/v2/`), "200 0", "the mirror answers (control)");
  for (const url of [`http://10.213.0.1:${port}/`, `http://${gateway}:${port}/`, `http://${gateway}:${mirror!.port}/v2/`, "http://10.213.0.1:22/"])
    assert.match(await probe(url), /^000 (7|28)$/, `${url} must be out of reach`);
});
