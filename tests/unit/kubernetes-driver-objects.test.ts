import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { ANNOTATION, labNetworkPolicy, labNodePod, labService, ownedBy, sandboxOf, type PodSettings } from "../../lab-runner/src/sandbox/kubernetes/objects";
import type { SandboxSpec } from "../../lab-runner/src/sandbox/driver";

// The Kubernetes objects of a lab as the driver builds them, and the lab read back from them (what a restarted
// lab-runner adopts), including when a lab counts as lost.

const SETTINGS: PodSettings = {
  namespace: "labs",
  image: "dockyard/sandbox:latest",
  registryImage: "dockyard/registry:latest",
  limits: { memoryBytes: 1024 ** 3, containersMemoryBytes: 800 * 1024 ** 2, cpus: 1, processes: 512, diskBytes: 10 * 1024 ** 3 },
  insecure: false,
  nodeSelector: {},
  tolerations: [],
  seccompProfile: "dockyard/seccomp-dind.json",
  runnerNamespace: "dockyard",
};
const SPEC: SandboxSpec = { learnerId: "ann", lessonSlug: "multi", images: ["busybox", "nginx"], nodes: 2, registry: true };
const ID = "dy-0123456789abcdef0123";

function service(): V1Service {
  const s = labService(ID, SPEC, new Date("2026-12-06T10:00:00Z"));
  return { ...s, metadata: { ...s.metadata, uid: "uid-1" } };
}

const readyPod = (node: string, host = "worker-1", more: Partial<V1Pod["status"]> = {}): V1Pod => ({
  metadata: { name: `${ID}-${node}`, labels: { "dockyard.io/lab": ID, "dockyard.io/node": node } },
  spec: { containers: [], nodeName: host },
  status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], ...more },
});

test("a node's pod: its name, hostname and subdomain, resources as requests and limits, isolated by a user namespace of its own", () => {
  const pod = labNodePod(ID, "node2", SPEC, SETTINGS, ownedBy(service()));
  assert.equal(pod.metadata?.name, `${ID}-node2`);
  assert.deepEqual(
    pod.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid]),
    [["Service", ID, "uid-1"]],
  );
  assert.equal(pod.metadata?.labels?.["dockyard.io/role"], "node");
  assert.equal(pod.spec?.hostname, "node2");
  assert.equal(pod.spec?.subdomain, ID);
  assert.equal(pod.spec?.hostUsers, false);
  const container = pod.spec!.containers[0]!;
  assert.deepEqual(container.resources, { requests: { memory: String(1024 ** 3), cpu: "1" }, limits: { memory: String(1024 ** 3), cpu: "1" } });
  assert.equal(container.securityContext?.privileged, false);
  assert.equal(container.securityContext?.procMount, "Unmasked");
  assert.deepEqual(container.securityContext?.capabilities?.drop, ["ALL"]);
  assert.ok(container.securityContext?.capabilities?.add?.includes("SYS_ADMIN"));
  assert.deepEqual(container.securityContext?.seccompProfile, { type: "Localhost", localhostProfile: "dockyard/seccomp-dind.json" });
  assert.deepEqual(container.command, ["/usr/bin/docker-init", "--", "/usr/local/sbin/dockyard-entry"], "an init reaps the orphans of exec'd shells");
  assert.deepEqual(container.readinessProbe?.exec?.command, ["test", "-e", "/run/dockyard-ready"]);
  assert.deepEqual(pod.spec?.volumes, [{ name: "disk", emptyDir: { sizeLimit: String(10 * 1024 ** 3) } }]);
});

test("settings reach the pod: a RuntimeClass instead of user namespaces, a seccomp profile, placement, a PVC for the disk", () => {
  const pod = labNodePod(
    ID,
    "node1",
    SPEC,
    {
      ...SETTINGS,
      runtimeClass: "sysbox",
      seccompProfile: "dockyard/seccomp-dind.json",
      storageClass: "fast",
      nodeSelector: { pool: "labs" },
      tolerations: [{ key: "labs", operator: "Exists", effect: "NoSchedule" }],
    },
    ownedBy(service()),
  );
  assert.equal(pod.spec?.runtimeClassName, "sysbox");
  assert.equal(pod.spec?.hostUsers, undefined);
  assert.equal(pod.spec?.containers[0]?.securityContext?.procMount, undefined);
  assert.deepEqual(pod.spec?.containers[0]?.securityContext?.seccompProfile, { type: "Localhost", localhostProfile: "dockyard/seccomp-dind.json" });
  assert.deepEqual(pod.spec?.nodeSelector, { pool: "labs" });
  assert.deepEqual(pod.spec?.tolerations, [{ key: "labs", operator: "Exists", effect: "NoSchedule" }]);
  assert.deepEqual(pod.spec?.volumes, [{ name: "disk", persistentVolumeClaim: { claimName: `${ID}-node1-disk` } }]);
  const insecure = labNodePod(ID, "node1", SPEC, { ...SETTINGS, insecure: true }, ownedBy(service()));
  assert.equal(insecure.spec?.hostUsers, undefined, "insecure mode: the node's user namespace");
});

test("the NetworkPolicy lets in only the lab's pods and the lab-runner's (in its own namespace), and lets out only to them and DNS", () => {
  const policy = labNetworkPolicy(ID, ownedBy(service()), "dockyard");
  const own = { podSelector: { matchLabels: { "dockyard.io/lab": ID } } };
  const runner = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dockyard" } },
    podSelector: { matchLabels: { "dockyard.io/component": "lab-runner" } },
  };
  assert.deepEqual(policy.spec?.ingress, [{ _from: [own, runner] }]);
  assert.deepEqual(policy.spec?.egress?.[0], { to: [own] });
  assert.deepEqual(
    policy.spec?.egress?.[1]?.ports?.map((p) => p.port),
    [53, 53],
  );
});

test("a lab is read back from its Service and pods: who, which lesson, its nodes, running, suspended", () => {
  const s = service();
  const sandbox = sandboxOf(s, [readyPod("node1"), readyPod("node2")]);
  assert.deepEqual(sandbox, {
    id: ID,
    learnerId: "ann",
    lessonSlug: "multi",
    createdAt: new Date("2026-12-06T10:00:00Z"),
    running: true,
    nodes: ["node1", "node2"],
  });
  assert.equal(sandboxOf(s, [readyPod("node1"), { ...readyPod("node2"), status: { phase: "Running" } }]).running, false, "node2 not Ready");
  const suspended: V1Service = {
    ...s,
    metadata: { ...s.metadata, annotations: { ...s.metadata?.annotations, [ANNOTATION.suspendedAt]: "2026-12-06T11:00:00Z" } },
  };
  assert.deepEqual(
    [sandboxOf(suspended, []).suspendedAt, sandboxOf(suspended, []).running, sandboxOf(suspended, []).lost],
    [new Date("2026-12-06T11:00:00Z"), false, undefined],
  );
});

test("a lab is lost when a node's pod is gone, evicted or failed, or its machine is not Ready", () => {
  const s = service();
  assert.match(sandboxOf(s, [readyPod("node1")]).lost ?? "", /node2 is gone/);
  assert.match(
    sandboxOf(s, [readyPod("node1"), readyPod("node2", "w", { phase: "Failed", reason: "Evicted", message: "low on memory" })]).lost ?? "",
    /node2 was evicted.*low on memory/,
  );
  assert.match(sandboxOf(s, [readyPod("node1"), readyPod("node2", "w", { phase: "Failed" })]).lost ?? "", /node2 stopped/);
  assert.match(
    sandboxOf(s, [readyPod("node1", "worker-1"), readyPod("node2", "worker-2")], new Set(["worker-1"])).lost ?? "",
    /\(worker-2\) stopped answering/,
  );
  assert.equal(sandboxOf(s, [readyPod("node1", "worker-1"), readyPod("node2", "worker-2")], new Set(["worker-1", "worker-2"])).lost, undefined);
});
