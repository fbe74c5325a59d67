import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiException } from "@kubernetes/client-node";
import { checkSchema, LessonError, parseLesson } from "@dockyard/contract/server";
import { judge } from "../../lab-runner/src/checks/judge";
import { samePulledImage } from "../../lab-runner/src/checks/kubernetes/match";
import { clusterContext, emptyCluster, fakeClusterApi, said } from "../support/fake-cluster";
import { node, pod } from "../support/cluster-objects";

// The Kubernetes check kinds: what lesson authors may write, and how pods and nodes are judged against a lab's
// cluster faked at its API (tests/support/fake-cluster.ts); kubernetes-workloads.test.ts judges deployments,
// ReplicaSets and services.

const refusal = (yaml: unknown) => {
  const parsed = checkSchema.safeParse(yaml);
  assert.ok(!parsed.success, JSON.stringify(yaml));
  return parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
};

test("Kubernetes checks are normalized: a namespace, selectors as maps, counts as ranges, container=image", () => {
  assert.deepEqual(checkSchema.parse({ kind: "pod", selector: "app=web, tier=front", count: 3 }), {
    kind: "pod",
    namespace: "default",
    selector: { app: "web", tier: "front" },
    exists: true,
    count: { min: 3, max: 3 },
  });
  assert.deepEqual(checkSchema.parse({ kind: "deployment", name: "web", namespace: "shop", image: "web=nginx:1.25", revisions: { min: 2 } }), {
    kind: "deployment",
    namespace: "shop",
    name: "web",
    exists: true,
    image: { container: "web", image: "nginx:1.25" },
    revisions: { min: 2 },
  });
  assert.deepEqual((checkSchema.parse({ kind: "deployment", name: "web", image: "nginx" }) as { image: object }).image, { image: "nginx" });
  assert.deepEqual((checkSchema.parse({ kind: "service", name: "web", answers: true }) as { answers: object }).answers, { path: "/", status: 200 });
  assert.deepEqual((checkSchema.parse({ kind: "service", name: "web", answers: { path: "/health" } }) as { answers: object }).answers, {
    path: "/health",
    status: 200,
  });
  assert.deepEqual(checkSchema.parse({ kind: "kubernetes-node", fake: true, count: { min: 3 } }), { kind: "kubernetes-node", fake: true, count: { min: 3 } });
});

test("impossible or ambiguous Kubernetes checks are refused with a reason", () => {
  assert.match(refusal({ kind: "pod", name: "web", replicas: 3 }), /replicas/, "an unknown field");
  assert.match(refusal({ kind: "pod", phase: "Running" }), /a pod check needs a name or a selector/);
  assert.match(refusal({ kind: "pod", name: "web", selector: "app=web" }), /not both/);
  assert.match(refusal({ kind: "pod", name: "web", count: 1 }), /count: count needs a selector/);
  assert.match(refusal({ kind: "pod", selector: "app=web", exists: false, phase: "Running" }), /exists: false cannot be combined/);
  assert.match(refusal({ kind: "pod", name: "web", node: "node2" }), /node/, "the cluster is the lab's, not a node's");
  assert.match(refusal({ kind: "pod", name: "web", phase: "running" }), /phase/);
  assert.match(refusal({ kind: "pod", name: "Web" }), /must be a Kubernetes name/);
  assert.match(refusal({ kind: "pod", name: "web", namespace: "Shop" }), /must be a namespace/);
  assert.match(refusal({ kind: "pod", selector: "app" }), /not a label like key=value/);
  assert.match(refusal({ kind: "pod", selector: "app=web", count: {} }), /give min, max or both/);
  assert.match(refusal({ kind: "pod", selector: "app=web", count: { min: 3, max: 2 } }), /min cannot be more than max/);
  assert.match(refusal({ kind: "deployment", replicas: 3 }), /name/);
  assert.match(refusal({ kind: "replicaset", replicas: 3 }), /a replicaset check needs a name or a deployment/);
  assert.match(refusal({ kind: "replicaset", name: "web-5d4f", count: 2 }), /count needs a deployment/);
  assert.match(refusal({ kind: "service", name: "web", targetPort: 8080 }), /targetPort needs port/);
  assert.match(refusal({ kind: "service", name: "web", type: "Headless" }), /type/);
  assert.match(refusal({ kind: "service", name: "web", answers: { path: "health" } }), /must be a path/);
  assert.match(refusal({ kind: "kubernetes-node", name: "node1", count: 1 }), /count is about several nodes/);
  assert.match(refusal({ kind: "kubernetes-node" }), /needs a name, ready, count, label or fake/);
  assert.match(refusal({ kind: "kubernetes-node", name: "node1", namespace: "default" }), /namespace/, "nodes belong to no namespace");
});

const LESSON = (front: string) =>
  `---\ntitle: T\nsummary: S\norder: 1\nminutes: 5\nimages: [busybox]\n${front}---\n<Step id="run" title="Run">\n\n\`\`\`sh run\nkubectl run web --image=nginx\n\`\`\`\n\n\`\`\`check\nkind: pod\nname: web\nphase: Running\n\`\`\`\n\n</Step>\n`;

test("a lesson may use the Kubernetes kinds only when its lab has a cluster", () => {
  const lesson = parseLesson(LESSON("kubernetes: true\n"), "lesson.mdx", "demo");
  assert.deepEqual(lesson.steps[0]!.checks, [{ kind: "pod", namespace: "default", name: "web", exists: true, phase: "Running" }]);
  assert.throws(
    () => parseLesson(LESSON(""), "lesson.mdx", "demo"),
    (e) => e instanceof LessonError && /invalid check: a pod check reads the lab's cluster, so the lesson needs `kubernetes: true`/.test(e.message),
  );
});

test("images compare as a container runtime pulls them", () => {
  assert.ok(samePulledImage("busybox:1.36", "docker.io/library/busybox:1.36"));
  assert.ok(samePulledImage("nginx", "docker.io/library/nginx:latest"));
  assert.ok(samePulledImage("library/nginx:1.25", "nginx:1.25"));
  assert.ok(samePulledImage("bitnami/redis", "docker.io/bitnami/redis:latest"));
  assert.ok(samePulledImage("registry:5000/app:v1", "registry:5000/app:v1"));
  assert.ok(!samePulledImage("nginx:1.25", "nginx:1.24"));
  assert.ok(!samePulledImage("nginx", "nginx:1.25"), "no tag is latest");
  assert.ok(!samePulledImage("app:v1", "registry:5000/app:v1"));
});

const single = () => ({ ...emptyCluster(), pods: [pod("web", { labels: { run: "web" } })] });

test("pod by name: every field passes and fails with what was found", async () => {
  assert.deepEqual(
    await said({ kind: "pod", name: "web", phase: "Running", ready: true, image: "docker.io/library/nginx:1.25", label: "run=web", onNode: "node1" }, single()),
    [
      "✓ The pod “web” exists.",
      "✓ The pod “web” is Running.",
      "✓ The pod “web” is ready.",
      "✓ The pod “web” runs docker.io/library/nginx:1.25.",
      "✓ The pod “web” has the label run=web.",
      "✓ The pod “web” runs on node1.",
    ],
  );
  const pending = { ...emptyCluster(), pods: [pod("web", { phase: "Pending", waiting: "ImagePullBackOff", labels: { run: "api" } })] };
  assert.deepEqual(
    await said({ kind: "pod", name: "web", phase: "Running", ready: true, image: "nginx", label: { run: "web", tier: "front" }, onNode: "node2" }, pending),
    [
      "✓ The pod “web” exists.",
      "✗ The pod “web” is Pending, not Running.",
      "✗ The pod “web” is not ready (its container “web” is waiting: ImagePullBackOff).",
      "✗ The pod “web” runs nginx:1.25, not nginx.",
      "✗ The pod “web” has the label run=api, not run=web.",
      "✗ The pod “web” has no label “tier”; it should be tier=front.",
      "✗ The pod “web” runs on node1, not node2.",
    ],
  );
  assert.deepEqual(await said({ kind: "pod", name: "web", ready: false }, pending), ["✓ The pod “web” exists.", "✓ The pod “web” is not ready."]);
  assert.deepEqual(await said({ kind: "pod", name: "web", ready: false }, single()), ["✓ The pod “web” exists.", "✗ The pod “web” is ready."]);
  const unschedulable = { ...emptyCluster(), pods: [pod("web", { phase: "Pending", unschedulable: "0/1 nodes are available: 1 Insufficient memory." })] };
  assert.deepEqual(await said({ kind: "pod", name: "web", ready: true, onNode: "node1" }, unschedulable), [
    "✓ The pod “web” exists.",
    "✗ The pod “web” is not ready (it cannot be scheduled: 0/1 nodes are available: 1 Insufficient memory.).",
    "✗ The pod “web” is not scheduled on a node yet.",
  ]);
});

test("pod by name: absent, in another namespace, being deleted, and exists: false", async () => {
  assert.deepEqual(await said({ kind: "pod", name: "db", phase: "Running" }, single()), ["✗ No pod named “db” exists in namespace default."]);
  assert.deepEqual(await said({ kind: "pod", name: "web", namespace: "shop" }, single()), ["✗ No pod named “web” exists in namespace shop."]);
  assert.deepEqual(await said({ kind: "pod", name: "web", exists: false }, single()), ["✗ The pod “web” still exists; delete it with kubectl delete pod web."]);
  assert.deepEqual(await said({ kind: "pod", name: "web", namespace: "shop", exists: false }, single()), ["✓ There is no pod “web”."]);
  const deleting = { ...emptyCluster(), pods: [pod("web", { deleting: true })] };
  assert.deepEqual(await said({ kind: "pod", name: "web", exists: false }, deleting), ["✓ There is no pod “web”."], "a terminating pod counts as gone");
});

const replicas = () => ({
  ...emptyCluster(),
  pods: [
    pod("web-5d4f7c6b9-abcde", { labels: { app: "web" } }),
    pod("web-5d4f7c6b9-fghij", { labels: { app: "web" } }),
    pod("web-5d4f7c6b9-klmno", { labels: { app: "web" }, phase: "Pending", waiting: "ContainerCreating" }),
    pod("web-5d4f7c6b9-zzzzz", { labels: { app: "web" }, deleting: true }),
    pod("db-7f9c8d7b5-pqrst", { labels: { app: "db" }, image: "postgres:16" }),
  ],
});

test("pods by selector: how many match, and every matching pod meets each field", async () => {
  assert.deepEqual(await said({ kind: "pod", selector: "app=web", count: 3, image: "nginx:1.25" }, replicas()), [
    "✓ 3 pods match app=web.",
    "✓ All 3 pods matching app=web run nginx:1.25.",
  ]);
  assert.deepEqual(await said({ kind: "pod", selector: { app: "web" }, count: { min: 4 }, phase: "Running", ready: true, onNode: "node1" }, replicas()), [
    "✗ 3 pods match app=web; there should be at least 4.",
    "✗ 2 of the 3 pods matching app=web are Running: “web-5d4f7c6b9-klmno” is Pending, not Running.",
    "✗ 2 of the 3 pods matching app=web are ready: “web-5d4f7c6b9-klmno” is not ready (its container “web” is waiting: ContainerCreating).",
    "✓ All 3 pods matching app=web run on node1.",
  ]);
  assert.deepEqual(await said({ kind: "pod", selector: "app=db", ready: true, label: "tier=data" }, replicas()), [
    "✓ 1 pod matches app=db.",
    "✓ The pod “db-7f9c8d7b5-pqrst” (matching app=db) is ready.",
    "✗ The pod “db-7f9c8d7b5-pqrst” (matching app=db) has no label “tier”; it should be tier=data.",
  ]);
  assert.deepEqual(await said({ kind: "pod", selector: "app=web", count: { max: 2 } }, replicas()), ["✗ 3 pods match app=web; there should be at most 2."]);
  assert.deepEqual(await said({ kind: "pod", selector: "app=web", image: "nginx:1.26" }, replicas()), [
    "✓ 3 pods match app=web.",
    "✗ None of the 3 pods matching app=web run nginx:1.26: “web-5d4f7c6b9-abcde” runs nginx:1.25, not nginx:1.26.",
  ]);
  assert.deepEqual(await said({ kind: "pod", selector: "app=wbe", phase: "Running" }, replicas()), ["✗ No pod matches app=wbe in namespace default."]);
  assert.deepEqual(await said({ kind: "pod", selector: "app=wbe", count: 0 }, replicas()), ["✓ No pod matches app=wbe in namespace default."]);
  assert.deepEqual(await said({ kind: "pod", selector: "app=db", exists: false }, replicas()), ["✗ 1 pod still matches app=db: db-7f9c8d7b5-pqrst."]);
  assert.deepEqual(await said({ kind: "pod", selector: "app=cache", exists: false }, replicas()), ["✓ No pod matches app=cache."]);
});

const nodes = () => ({
  ...emptyCluster(),
  nodes: [
    node("node1", { labels: { disktype: "ssd" } }),
    node("node2", { ready: false }),
    node("kwok-node-0", { fake: true }),
    node("kwok-node-1", { fake: true }),
    node("kwok-node-2", { fake: true }),
  ],
});

test("kubernetes-node by name: ready, labels, fake", async () => {
  assert.deepEqual(await said({ kind: "kubernetes-node", name: "node1", ready: true, label: "disktype=ssd", fake: false }, nodes()), [
    "✓ The cluster has a node “node1”.",
    "✓ The node “node1” is ready.",
    "✓ The node “node1” has the label disktype=ssd.",
    "✓ The node “node1” is a real node.",
  ]);
  assert.deepEqual(await said({ kind: "kubernetes-node", name: "node2", ready: true, label: "disktype=ssd", fake: true }, nodes()), [
    "✓ The cluster has a node “node2”.",
    "✗ The node “node2” is not ready (container runtime network not ready).",
    "✗ The node “node2” has no label “disktype”; it should be disktype=ssd.",
    "✗ The node “node2” is a real node, not a fake one.",
  ]);
  assert.deepEqual(await said({ kind: "kubernetes-node", name: "kwok-node-0", fake: true }, nodes()), [
    "✓ The cluster has a node “kwok-node-0”.",
    "✓ The node “kwok-node-0” is a fake node (kwok's).",
  ]);
  assert.deepEqual(await said({ kind: "kubernetes-node", name: "node3" }, nodes()), ["✗ The cluster has no node named “node3”."]);
});

test("kubernetes-node without a name: label and fake pick the nodes, count and ready judge them", async () => {
  assert.deepEqual(await said({ kind: "kubernetes-node", fake: true, count: 3 }, nodes()), ["✓ The cluster has 3 ready fake nodes."]);
  assert.deepEqual(await said({ kind: "kubernetes-node", fake: false, count: { min: 2 } }, nodes()), [
    "✗ The cluster has 1 ready real node; it should have at least 2.",
  ]);
  assert.deepEqual(await said({ kind: "kubernetes-node", count: 5 }, nodes()), ["✗ The cluster has 4 ready nodes; it should have 5."]);
  assert.deepEqual(await said({ kind: "kubernetes-node", label: "disktype=ssd" }, nodes()), ["✓ The cluster has 1 node labelled disktype=ssd."]);
  assert.deepEqual(await said({ kind: "kubernetes-node", label: "gpu=yes", ready: true }, nodes()), ["✗ The cluster has no node labelled gpu=yes."]);
  assert.deepEqual(await said({ kind: "kubernetes-node", ready: true }, nodes()), [
    "✗ 4 of the 5 nodes are ready: “node2” is not ready (container runtime network not ready).",
  ]);
  assert.deepEqual(await said({ kind: "kubernetes-node", fake: true, ready: true }, nodes()), [
    "✓ The cluster has 3 fake nodes.",
    "✓ All 3 fake nodes are ready.",
  ]);
});

test("a lab without a cluster, an API server that does not answer, and an API error are each said plainly", async () => {
  const check = [checkSchema.parse({ kind: "pod", name: "web" })];
  const without = await judge(check, clusterContext());
  assert.equal(without.passed, false);
  assert.equal(without.message, "The check could not run: this lab has no Kubernetes cluster");

  const down = await judge(check, clusterContext({ ...single(), down: true }));
  assert.deepEqual(down.criteria, [{ name: "API server answers", passed: false, message: "The cluster's API server does not answer (is it still starting?)" }]);

  const forbidden = fakeClusterApi(single());
  const status = {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message: 'pods "web" is forbidden: User "learner" cannot get resource "pods"',
    reason: "Forbidden",
    code: 403,
  };
  forbidden.core.readNamespacedPod = async () => Promise.reject(new ApiException(403, "Forbidden", JSON.stringify(status), {}));
  const refused = await judge(check, clusterContext(undefined, forbidden));
  assert.equal(refused.message, `The check could not run: the cluster's API answered 403: ${status.message}`);
});
