import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { BOOT_STAGES, sandboxIdFor, type BootStage } from "@dockyard/contract/server";
import { KubernetesSandboxDriver } from "../../lab-runner/src/sandbox/kubernetes";
import { kubeClients, loadKubeConfig, type KubeClients } from "../../lab-runner/src/sandbox/kubernetes/client";
import { DriverError, type SandboxSpec } from "../../lab-runner/src/sandbox/driver";
import type { PodSettings } from "../../lab-runner/src/sandbox/kubernetes/objects";
import { startTestCluster, type TestCluster } from "../support/test-cluster";

// The Kubernetes driver against a REAL API server, scheduler and controller-manager (tests/support/test-cluster.ts:
// a control plane in a Dockyard sandbox, node1 a real kubelet, three kwok fake nodes). Labs are placed on the fake
// nodes (kwok fakes their pods' readiness), except the missing image, which needs a real kubelet's pull: node1.
// node1's containerd (1.6) offers pods no user namespaces, so the isolation check refuses this cluster; the labs
// here run in insecure mode, which is what that check exists to forbid outside tests. Run under the shared lock.

const KWOK: Partial<PodSettings> = {
  nodeSelector: { type: "kwok" },
  tolerations: [{ key: "kwok.x-k8s.io/node", operator: "Exists", effect: "NoSchedule" }],
  insecure: true,
};
const NAMESPACE = `dockyard-it-${process.pid}`;
const QUOTA_NAMESPACE = `${NAMESPACE}-quota`;
const spec = (lessonSlug: string, more: Partial<SandboxSpec> = {}): SandboxSpec => ({ learnerId: "ann", lessonSlug, images: ["busybox"], ...more });

let cluster: TestCluster;
let clients: KubeClients;
const drivers: KubernetesSandboxDriver[] = [];
const driver = (settings: Partial<PodSettings> = {}) => {
  const made = new KubernetesSandboxDriver({ clients, settings: { namespace: NAMESPACE, ...KWOK, ...settings }, bootTimeoutMs: 90_000 });
  drivers.push(made);
  return made;
};
const rejectsWith = (code: string, pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof DriverError, String(e));
  assert.equal(e.code, code, e.message);
  assert.match(e.message, pattern);
  return true;
};

before(async () => {
  cluster = await startTestCluster({ fakeNodes: 3 });
  clients = kubeClients(loadKubeConfig(cluster.kubeconfigPath));
  for (const name of [NAMESPACE, QUOTA_NAMESPACE]) await clients.core.createNamespace({ body: { metadata: { name } } });
  await clients.core.createNamespacedResourceQuota({ namespace: QUOTA_NAMESPACE, body: { metadata: { name: "one-pod" }, spec: { hard: { pods: "1" } } } });
});

after(async () => {
  for (const d of drivers) for (const lab of await d.list().catch(() => [])) await d.remove(lab.id).catch(() => {});
  await cluster?.remove();
});

describe("the Kubernetes driver on a real API server", { timeout: 600_000 }, () => {
  const lab = sandboxIdFor("ann", "two-nodes");

  test("refuses a cluster whose nodes offer no user namespaces, saying what it lacks and what would allow it", async () => {
    const strict = driver({ insecure: false, nodeSelector: {} });
    await assert.rejects(strict.start(spec("refused")), rejectsWith("host_not_prepared", /node1.*user namespace.*DOCKYARD_KUBERNETES_INSECURE=1/s));
    await assert.rejects(driver({ insecure: false, runtimeClass: "kata" }).start(spec("refused")), rejectsWith("host_not_prepared", /no RuntimeClass "kata"/));
    assert.equal((await clients.core.listNamespacedPod({ namespace: NAMESPACE })).items.length, 0, "nothing was made");
  });

  test("starts a lab of two nodes and a registry: Ready through every boot stage, its objects labelled and owned by its Service", async () => {
    const stages: BootStage[] = [];
    const sandbox = await driver().start(spec("two-nodes", { nodes: 2, registry: true }), (stage) => stages.push(stage));
    assert.deepEqual(stages, [...BOOT_STAGES]);
    assert.deepEqual({ id: sandbox.id, running: sandbox.running, nodes: sandbox.nodes }, { id: lab, running: true, nodes: ["node1", "node2"] });

    const service = await clients.core.readNamespacedService({ name: lab, namespace: NAMESPACE });
    assert.equal(service.spec?.clusterIP, "None");
    assert.deepEqual(service.spec?.selector, { "dockyard.io/lab": lab });
    assert.equal(service.metadata?.annotations?.["dockyard.io/learner"], "ann");
    const pods = (await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `dockyard.io/lab=${lab}` })).items;
    assert.deepEqual(pods.map((p) => [p.metadata?.name, p.metadata?.labels?.["dockyard.io/role"], p.metadata?.labels?.["dockyard.io/node"]]).sort(), [
      [`${lab}-node1`, "node", "node1"],
      [`${lab}-node2`, "node", "node2"],
      [`${lab}-registry`, "registry", undefined],
    ]);
    for (const pod of pods) {
      assert.match(pod.spec?.nodeName ?? "", /^fake-node-\d$/, "placed on a fake node");
      assert.equal(pod.metadata?.ownerReferences?.[0]?.uid, service.metadata?.uid);
      assert.equal(pod.spec?.subdomain, lab);
    }
    const node1 = pods.find((p) => p.metadata?.name === `${lab}-node1`)!;
    assert.equal(node1.spec?.hostname, "node1");
    assert.equal(node1.spec?.containers[0]?.securityContext?.privileged, false);
    assert.equal(node1.spec?.containers[0]?.resources?.limits?.memory, node1.spec?.containers[0]?.resources?.requests?.memory);
    const policy = await clients.networking.readNamespacedNetworkPolicy({ name: lab, namespace: NAMESPACE });
    assert.deepEqual(policy.spec?.policyTypes, ["Ingress", "Egress"]);
    assert.deepEqual(policy.spec?.podSelector?.matchLabels, { "dockyard.io/lab": lab });
    assert.equal(policy.metadata?.ownerReferences?.[0]?.uid, service.metadata?.uid);
  });

  test("a fresh driver (a restarted lab-runner) adopts the lab from its labels and annotations alone", async () => {
    const adopted = (await driver().list()).find((s) => s.id === lab);
    assert.deepEqual(
      adopted && { learnerId: adopted.learnerId, lessonSlug: adopted.lessonSlug, nodes: adopted.nodes, running: adopted.running, lost: adopted.lost },
      { learnerId: "ann", lessonSlug: "two-nodes", nodes: ["node1", "node2"], running: true, lost: undefined },
    );
    const stages: BootStage[] = [];
    await driver().start(spec("two-nodes", { nodes: 2, registry: true }), (stage) => stages.push(stage));
    assert.deepEqual(stages, ["ready"], "a running lab is returned at once");
  });

  test("suspend deletes the pods and keeps the Service, marked; start resumes it", async () => {
    const d = driver();
    await d.suspend(lab);
    assert.deepEqual((await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `dockyard.io/lab=${lab}` })).items, []);
    const service = await clients.core.readNamespacedService({ name: lab, namespace: NAMESPACE });
    assert.ok(service.metadata?.annotations?.["dockyard.io/suspended-at"]);
    const suspended = await driver().get(lab);
    assert.equal(suspended?.running, false);
    assert.ok(suspended?.suspendedAt);
    assert.equal(suspended?.lost, undefined, "a suspended lab's missing pods are not lost");
    await d.suspend(lab); // already suspended: stays so

    const resumed = await d.start(spec("two-nodes", { nodes: 2, registry: true }));
    assert.equal(resumed.resumedFrom?.getTime(), suspended?.suspendedAt?.getTime());
    assert.equal(resumed.running, true);
    assert.equal((await d.get(lab))?.suspendedAt, undefined);
  });

  test("two starts of one lab at once, from two lab-runners, make one lab", async () => {
    const [a, b] = await Promise.all([driver().start(spec("twice", { nodes: 2 })), driver().start(spec("twice", { nodes: 2 }))]);
    assert.equal(a.id, b.id);
    const pods = (await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `dockyard.io/lab=${a.id}` })).items;
    assert.deepEqual(pods.map((p) => p.metadata?.name).sort(), [`${a.id}-node1`, `${a.id}-node2`]);
    await driver().remove(a.id);
  });

  test("a lab no node has room for is capacity, in the scheduler's words, and leaves nothing behind", async () => {
    const huge = driver({ limits: { memoryBytes: 64 * 1024 ** 3, containersMemoryBytes: 63 * 1024 ** 3, cpus: 1, processes: 512, diskBytes: 1024 ** 3 } });
    await assert.rejects(huge.start(spec("huge")), rejectsWith("capacity", /0\/4 nodes are available.*Insufficient memory/));
    assert.equal(await huge.get(sandboxIdFor("ann", "huge")), undefined);
  });

  test("a ResourceQuota that is full is capacity, quoting the quota", async () => {
    const quoted = driver({ namespace: QUOTA_NAMESPACE });
    await assert.rejects(quoted.start(spec("quota", { nodes: 2 })), rejectsWith("capacity", /exceeded quota: one-pod/));
    assert.deepEqual((await clients.core.listNamespacedPod({ namespace: QUOTA_NAMESPACE })).items, [], "the first pod was removed again");
  });

  test("an image a real node cannot pull is image_missing", async () => {
    const real = driver({
      nodeSelector: { "kubernetes.io/hostname": "node1" },
      tolerations: [],
      image: "dockyard/no-such-image:1",
      limits: { memoryBytes: 64 * 1024 ** 2, containersMemoryBytes: 32 * 1024 ** 2, cpus: 0.1, processes: 512, diskBytes: 1024 ** 3 },
    });
    await assert.rejects(real.start(spec("missing-image")), rejectsWith("image_missing", /dockyard\/no-such-image:1/));
    assert.equal(await real.get(sandboxIdFor("ann", "missing-image")), undefined);
  });

  test("a Kubernetes lesson is refused clearly", async () => {
    await assert.rejects(driver().start(spec("cluster", { kubernetes: { binaries: "/nowhere" } })), rejectsWith("host_not_prepared", /need the Docker driver/));
  });

  test("remove deletes the Service, the NetworkPolicy and the pods, and is idempotent", async () => {
    const d = driver();
    await d.remove(lab);
    assert.equal(await d.get(lab), undefined);
    assert.deepEqual((await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `dockyard.io/lab=${lab}` })).items, []);
    assert.deepEqual((await clients.networking.listNamespacedNetworkPolicy({ namespace: NAMESPACE })).items, []);
    assert.equal((await d.list()).length, 0);
    await d.remove(lab);
  });

  test("a lab whose machine is gone is lost; starting it again boots it afresh on another machine", async () => {
    const d = driver();
    const first = await d.start(spec("moved"));
    const [pod] = (await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `dockyard.io/lab=${first.id}` })).items;
    const machine = pod!.spec!.nodeName!;
    await clients.core.deleteNode({ name: machine });
    assert.match((await d.get(first.id))?.lost ?? "", new RegExp(`machine node1 ran on \\(${machine}\\) stopped answering`));
    const again = await d.start(spec("moved"));
    assert.equal(again.running, true);
    assert.equal(again.lost, undefined);
    const [moved] = (await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `dockyard.io/lab=${first.id}` })).items;
    assert.notEqual(moved!.spec!.nodeName, machine);
    await d.remove(first.id);
  });
});
