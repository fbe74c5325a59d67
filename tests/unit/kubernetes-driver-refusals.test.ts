import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiException, type V1Node, type V1Pod } from "@kubernetes/client-node";
import { createRefusal, podRefusal, progressOf } from "../../lab-runner/src/sandbox/kubernetes/readiness";
import { checkIsolation, nodesLackingUserNamespaces } from "../../lab-runner/src/sandbox/kubernetes/isolation";
import type { KubeClients } from "../../lab-runner/src/sandbox/kubernetes/client";
import { DriverError } from "../../lab-runner/src/sandbox/driver";

// What the cluster refused, told apart (capacity, image_missing, boot_failed) from a pod's status and a create's
// error, and the isolation check's verdict from the nodes' runtimes (the API boundary faked with plain objects).

const pod = (status: V1Pod["status"]): V1Pod => ({ metadata: { name: "dy-1-node1" }, status });
const code = (e: DriverError | undefined) => e && [e.code, e.message];

test("an unschedulable pod is capacity, in the scheduler's words", () => {
  const message = "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available.";
  assert.deepEqual(code(podRefusal(pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message }] }))), [
    "capacity",
    `The cluster has no room for dy-1-node1: ${message}`,
  ]);
  assert.equal(podRefusal(pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }] })), undefined, "placed, still starting");
});

test("an image the node cannot get is image_missing, whichever way the kubelet says it", () => {
  for (const reason of ["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName"]) {
    const refusal = podRefusal(
      pod({
        containerStatuses: [{ name: "node", image: "x:1", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason, message: "not found" } } }],
      }),
    );
    assert.equal(refusal?.code, "image_missing", reason);
    assert.match(refusal!.message, new RegExp(`x:1 .*${reason}.*not found`));
  }
  assert.equal(
    podRefusal(
      pod({
        containerStatuses: [{ name: "node", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }],
      }),
    ),
    undefined,
  );
});

test("a container that stopped or a failed pod is boot_failed", () => {
  const stopped = pod({
    containerStatuses: [{ name: "node", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: "Error" } } }],
  });
  assert.deepEqual(code(podRefusal(stopped)), ["boot_failed", "dy-1-node1 stopped while booting (Error)"]);
  assert.equal(podRefusal(pod({ phase: "Failed", reason: "Evicted" }))?.code, "boot_failed");
});

test("a 403 for an exceeded quota is capacity; any other refusal of a create is engine_failed", () => {
  const quota = new ApiException(
    403,
    "Forbidden",
    { message: 'pods "p" is forbidden: exceeded quota: one-pod, requested: pods=1, used: pods=1, limited: pods=1' },
    {},
  );
  assert.deepEqual(code(createRefusal(quota, "node1's pod")), ["capacity", `The cluster's quota leaves no room for node1's pod: ${quota.body.message}`]);
  const rbac = new ApiException(403, "Forbidden", { message: 'pods is forbidden: User "x" cannot create resource "pods"' }, {});
  assert.equal(createRefusal(rbac, "node1's pod").code, "engine_failed");
});

test("progress: placed, running, Ready", () => {
  const running = { containerStatuses: [{ name: "node", image: "x", imageID: "", ready: false, restartCount: 0, state: { running: {} } }] };
  assert.deepEqual(
    progressOf([
      { spec: { containers: [], nodeName: "w" }, status: running },
      { spec: { containers: [] }, status: {} },
    ]),
    { scheduled: false, running: false, ready: false },
  );
  assert.deepEqual(progressOf([{ spec: { containers: [], nodeName: "w" }, status: { ...running, conditions: [{ type: "Ready", status: "True" }] } }]), {
    scheduled: true,
    running: true,
    ready: true,
  });
});

const node = (name: string, ready: boolean, userNamespaces?: boolean, labels: Record<string, string> = {}): V1Node => ({
  metadata: { name, labels },
  status: {
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    runtimeHandlers: userNamespaces === undefined ? undefined : [{ name: "runc", features: { userNamespaces } }],
  },
});

test("isolation by user namespaces needs every Ready node that may run labs to report them", () => {
  const nodes = [
    node("a", true, true, { pool: "labs" }),
    node("b", true, false),
    node("c", false, false, { pool: "labs" }),
    node("d", true, undefined, { pool: "labs" }),
  ];
  assert.deepEqual(nodesLackingUserNamespaces(nodes, {}), { candidates: 3, lacking: ["b", "d"] });
  assert.deepEqual(nodesLackingUserNamespaces(nodes.slice(0, 3), { pool: "labs" }), { candidates: 1, lacking: [] });
});

const fakeClients = (nodes: V1Node[], runtimeClasses: string[] = []) =>
  ({
    core: { listNode: async () => ({ items: nodes }) },
    node: {
      readRuntimeClass: async ({ name }: { name: string }) => {
        if (!runtimeClasses.includes(name)) throw new ApiException(404, "NotFound", { message: "not found" }, {});
        return { handler: name };
      },
    },
  }) as unknown as KubeClients;

test("checkIsolation: user namespaces, a RuntimeClass that exists, or insecure mode; else host_not_prepared naming what lacks and the way out", async () => {
  const none = { insecure: false, nodeSelector: {} };
  assert.equal(await checkIsolation(fakeClients([node("a", true, true)]), none), "user-namespaces");
  assert.equal(await checkIsolation(fakeClients([], ["kata"]), { ...none, runtimeClass: "kata" }), "runtime-class");
  assert.equal(await checkIsolation(fakeClients([node("a", true, false)]), { ...none, insecure: true }), "insecure");
  await assert.rejects(checkIsolation(fakeClients([node("node1", true, false)]), none), (e: DriverError) => {
    assert.equal(e.code, "host_not_prepared");
    assert.match(e.message, /node1 report no user namespace support.*DOCKYARD_KUBERNETES_RUNTIME_CLASS.*DOCKYARD_KUBERNETES_INSECURE=1/);
    return true;
  });
  await assert.rejects(checkIsolation(fakeClients([]), { ...none, runtimeClass: "gvisor" }), /no RuntimeClass "gvisor"/);
});
