import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stateDir } from "@dockyard/contract/server";
import { BUILD_SCRIPT, KubernetesBinaries } from "../../lab-runner/src/kubernetes/binaries";

// scripts/kubernetes/build.sh: a hit uses the cache without Go; a miss builds every binary from Go modules (here with
// Go's caches shared, so it relinks), reports their versions right, and is a hit next time. The real cache must
// already be built (`bash scripts/kubernetes/build.sh`, which setup.sh runs for a course with Kubernetes lessons).

const run = promisify(execFile);
const BINARIES = ["coredns", "etcd", "kube-apiserver", "kube-controller-manager", "kube-proxy", "kube-scheduler", "kubectl", "kubelet", "kwok"];
const WITHOUT_GO = { ...process.env, PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

test("a cache hit prints the directory and needs no Go at all", async () => {
  const { stdout, stderr } = await run("bash", [BUILD_SCRIPT], { env: WITHOUT_GO });
  const dir = stdout.trim();
  assert.match(dir, new RegExp(`^${stateDir()}/kubernetes/k8s-v1\\.34\\.4-etcd-v3\\.6\\.8-coredns-v[\\d.]+-kwok-v0\\.8\\.0-r\\d+/bin$`));
  assert.match(stderr, /cached/);
  assert.deepEqual(
    fs
      .readdirSync(dir)
      .filter((f) => !f.startsWith("."))
      .sort(),
    BINARIES,
  );
  assert.equal((await run("bash", [BUILD_SCRIPT, "--path"], { env: WITHOUT_GO })).stdout.trim(), dir);
  assert.equal(await new KubernetesBinaries().directory(() => assert.fail("a hit reports no build progress")), dir);
});

test("a miss without Go fails saying so, and leaves no half cache behind", async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-miss-"));
  try {
    const env = { ...WITHOUT_GO, DOCKYARD_STATE_DIR: empty };
    await assert.rejects(run("bash", [BUILD_SCRIPT, "--path"], { env }), (e: { code: number }) => e.code === 3);
    await assert.rejects(run("bash", [BUILD_SCRIPT], { env }), (e: { stderr: string }) => /Go is not installed/.test(e.stderr));
    assert.equal(fs.existsSync(path.join(empty, "kubernetes")), false);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

test("a miss builds all nine from Go modules with progress, versions reported right; then it is a hit", { timeout: 1_800_000 }, async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-build-"));
  try {
    const env = { ...process.env, DOCKYARD_STATE_DIR: empty, DOCKYARD_GO_CACHE: path.join(stateDir(), "build", "go") };
    const progress: string[] = [];
    const t0 = performance.now();
    const dir = await withEnv(env, () => new KubernetesBinaries().directory((line) => progress.push(line)));
    console.log(`# Kubernetes binaries rebuilt with warm Go caches in ${Math.round(performance.now() - t0)} ms`);
    assert.ok(dir.startsWith(`${empty}/kubernetes/`), dir);
    for (const name of BINARIES) assert.ok(fs.statSync(path.join(dir, name)).mode & 0o111, `${name} built`);
    assert.ok(
      progress.some((line) => /^\[1\/9\] building kube-apiserver/.test(line)),
      progress.join("\n"),
    );
    assert.ok(
      progress.some((line) => /^\[9\/9\] kwok built/.test(line)),
      progress.join("\n"),
    );
    const kubectl = JSON.parse((await run(path.join(dir, "kubectl"), ["version", "--client", "-o", "json"])).stdout);
    assert.equal(kubectl.clientVersion.gitVersion, "v1.34.4");
    assert.match((await run(path.join(dir, "kubelet"), ["--version"])).stdout, /Kubernetes v1\.34\.4/);
    assert.match((await run(path.join(dir, "etcd"), ["--version"])).stdout, /etcd Version: 3\.6\.8/);
    const again = await run("bash", [BUILD_SCRIPT], { env: { ...env, PATH: WITHOUT_GO.PATH } });
    assert.equal(again.stdout.trim(), dir, "the second run is a hit");
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

/** Runs fn with these environment variables (the build script reads them), restoring the old ones after. */
async function withEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
