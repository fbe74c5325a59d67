import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LabManager } from "../../lab-runner/src/labs";
import { KubernetesBinaries } from "../../lab-runner/src/kubernetes/binaries";
import type { SandboxSpec } from "../../lab-runner/src/sandbox/driver";
import type { Lesson, Refusal, ServerMessage } from "@dockyard/contract/server";
import type { Pty } from "../../lab-runner/src/terminal/session";
import { FakeDriver } from "../support/fake-driver";

// How LabManager boots a Kubernetes lab, with the driver and the build script faked: the binaries first (built when
// missing, the build's steps shown as the "binaries" stage), handed to the driver; then the cluster, step by step on
// the nodes as the "cluster" stage; a cluster that cannot start leaves the lab suspended, so opening it again retries.

const lesson = { slug: "k8s", images: [], nodes: 2, kubernetes: { fakeNodes: 1 }, steps: [] } as unknown as Lesson;
const fakePty = { onData() {}, onExit() {}, write() {}, resize() {}, pause() {}, resume() {}, kill() {} } as Pty;

/** A build script that has no cache (--path exits 3) and "builds" by printing one step and the directory. */
function stubBuild(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-stub-"));
  const script = path.join(dir, "build.sh");
  fs.writeFileSync(script, `[ "$1" = --path ] && exit 3\ntouch ${dir}/built\necho "[kubernetes] [1/9] building kube-apiserver" >&2\necho ${dir}/bin\n`);
  return script;
}

class ClusterDriver extends FakeDriver {
  specs: SandboxSpec[] = [];
  failing?: string;
  kubernetesLessonsRefused?: string;
  override async start(spec: SandboxSpec, onStage?: Parameters<FakeDriver["start"]>[1]) {
    this.specs.push(spec);
    return super.start(spec, onStage);
  }
  override async endpoint(_id?: string, node = "node1", port = 6443) {
    return { host: `10.213.0.${node.slice(4)}`, port };
  }
  override async exec(id: string, cmd: string[], opts: { node?: string } = {}) {
    const result = await super.exec(id, cmd, opts);
    return cmd[1] === this.failing ? { exitCode: 1, output: "kube-apiserver did not come up within 120s" } : result;
  }
}

function setup() {
  const driver = new ClusterDriver();
  const script = stubBuild();
  const labs = new LabManager(driver, {
    idleTimeoutMs: 60_000,
    findLesson: (slug) => (slug === "k8s" ? lesson : undefined),
    maxLabs: 10,
    maxLabsPerLearner: 2,
    spawnPty: () => fakePty,
    kubernetesBinaries: new KubernetesBinaries(script),
  });
  return { driver, labs, binaries: path.join(path.dirname(script), "bin") };
}

test("a Kubernetes lab: binaries built with progress and mounted, then the cluster booted node by node, stage by stage", async () => {
  const { driver, labs, binaries } = setup();
  const id = await labs.ensure("ann", "k8s");
  const seen: ServerMessage[] = [];
  await labs.watch(id, (m) => seen.push(m));
  const stages = seen.flatMap((m) => (m.type === "stage" ? [`${m.stage}${m.detail ? `: ${m.detail}` : ""}`] : []));
  assert.deepEqual(stages, [
    "binaries: [1/9] building kube-apiserver",
    "network",
    "cluster: making the cluster's certificates",
    "cluster: starting the API server",
    "cluster: starting node1's kubelet",
    "cluster: node2 joining",
    "cluster: node2 joining",
    "cluster: node2 joining",
    "cluster: cluster DNS and 1 fake nodes",
    "cluster: waiting for 3 nodes to be Ready",
  ]);
  assert.equal(seen.at(-1)?.type, "ready");
  assert.deepEqual(driver.specs[0]?.kubernetes, { binaries });
  assert.deepEqual(
    driver.execs.map((e) => `${e.node} ${e.cmd.slice(1).join(" ")}`),
    [
      "node1 pki 10.213.0.1 node1 node2",
      "node1 control-plane 10.213.0.1",
      "node1 node node1 10.213.0.1 10.244.1.0/24 10.244.2.0/24=10.213.0.2",
      "node1 bundle node2",
      "node2 unbundle",
      "node2 node node2 10.213.0.2 10.244.2.0/24 10.244.1.0/24=10.213.0.1",
      "node1 addons 10.213.0.1 1",
      "node1 ready 3",
    ],
  );
});

test("a cluster that cannot start fails the boot saying why, and leaves the lab suspended with what it held", async () => {
  const { driver, labs } = setup();
  driver.failing = "control-plane";
  const id = await labs.ensure("bob", "k8s");
  await assert.rejects(
    labs.watch(id, () => {}),
    /Kubernetes did not start \(starting the API server\): kube-apiserver did not come up/,
  );
  const sandbox = await driver.get(id);
  assert.ok(sandbox?.suspendedAt, "suspended, not removed");
});

test("a driver that cannot run Kubernetes lessons (the Kubernetes driver) refuses them in its words before any binaries are built", async () => {
  const { driver, labs, binaries } = setup();
  driver.kubernetesLessonsRefused = "Kubernetes lessons need the Docker driver.";
  await assert.rejects(labs.ensure("cy", "k8s"), (e: Refusal) => e.code === "boot_failed" && /Kubernetes lessons need the Docker driver/.test(e.message));
  assert.deepEqual(driver.specs, [], "the driver was never asked to start it");
  assert.equal(fs.existsSync(path.join(path.dirname(binaries), "built")), false, "no binaries were built for it");
});
