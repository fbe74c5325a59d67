import { test } from "node:test";
import assert from "node:assert/strict";
import { emptyCluster, said } from "../support/fake-cluster";
import { deployment, endpointSlice, pod, replicaSet, service } from "../support/cluster-objects";

// Deployments, their ReplicaSets and services, judged against a lab's cluster faked at its API
// (tests/support/fake-cluster.ts); kubernetes-checks.test.ts holds the schema, pods and nodes.

/** A deployment "web" at its second revision (nginx:1.24, then nginx:1.25), rolled out. */
function rolledOut(shape: Parameters<typeof deployment>[1] = {}) {
  const web = deployment("web", shape);
  return { ...emptyCluster(), deployments: [web], replicaSets: [replicaSet(web, 1, "nginx:1.24", 0), replicaSet(web, 2, "nginx:1.25", 3)] };
}

test("deployment: every field passes on a rolled-out deployment", async () => {
  assert.deepEqual(
    await said(
      {
        kind: "deployment",
        name: "web",
        replicas: 3,
        readyReplicas: 3,
        available: true,
        image: "nginx:1.25",
        label: "app=web",
        selector: "app=web",
        revisions: { min: 2 },
      },
      rolledOut(),
    ),
    [
      "✓ The deployment “web” exists.",
      "✓ The deployment “web” asks for 3 replicas.",
      "✓ The deployment “web” has 3 of 3 replicas ready.",
      "✓ The deployment “web” has rolled out: 3 replicas updated and available.",
      "✓ The deployment “web” runs nginx:1.25.",
      "✓ The deployment “web” has the label app=web.",
      "✓ The deployment “web” selects pods by app=web.",
      "✓ The deployment “web” has 2 revisions in its rollout history.",
    ],
  );
  assert.deepEqual(await said({ kind: "deployment", name: "web", image: "web=docker.io/library/nginx:1.25" }, rolledOut()), [
    "✓ The deployment “web” exists.",
    "✓ The container “web” of the deployment “web” runs nginx:1.25.",
  ]);
});

test("deployment: every field fails with what was found", async () => {
  assert.deepEqual(
    await said(
      {
        kind: "deployment",
        name: "web",
        replicas: 5,
        readyReplicas: 5,
        available: false,
        image: "nginx:1.26",
        label: "tier=front",
        selector: "app=api",
        revisions: 3,
      },
      rolledOut(),
    ),
    [
      "✓ The deployment “web” exists.",
      "✗ The deployment “web” asks for 3 replicas, not 5; scale it with kubectl scale deployment web --replicas=5.",
      "✗ The deployment “web” has 3 of 3 replicas ready; it should have 5.",
      "✗ The deployment “web” has rolled out: 3 replicas updated and available; it should still be rolling out.",
      "✗ The deployment “web” runs nginx:1.25, not nginx:1.26.",
      "✗ The deployment “web” has no label “tier”; it should be tier=front.",
      "✗ The deployment “web” selects pods by app=web; it should select app=api.",
      "✗ The deployment “web” has 2 revisions in its rollout history; it should have 3.",
    ],
  );
  assert.deepEqual(
    (await said({ kind: "deployment", name: "web", image: "web=nginx:1.24" }, rolledOut()))[1],
    "✗ The container “web” of the deployment “web” runs nginx:1.25, not nginx:1.24.",
  );
  assert.deepEqual(
    (await said({ kind: "deployment", name: "web", image: "db=nginx:1.25" }, rolledOut()))[1],
    "✗ The deployment “web” has no container “db” (it has “web”).",
  );
  assert.deepEqual(await said({ kind: "deployment", name: "api", replicas: 3 }, rolledOut()), ["✗ No deployment named “api” exists in namespace default."]);
  assert.deepEqual(await said({ kind: "deployment", name: "web", exists: false }, rolledOut()), [
    "✗ The deployment “web” still exists; delete it with kubectl delete deployment web.",
  ]);
  assert.deepEqual(await said({ kind: "deployment", name: "web", namespace: "shop", exists: false }, rolledOut()), ["✓ There is no deployment “web”."]);
});

test("deployment: a rollout in progress says what it waits for", async () => {
  const available = async (shape: Parameters<typeof deployment>[1], wanted = true) =>
    (await said({ kind: "deployment", name: "web", available: wanted, ...(wanted && { readyReplicas: 3 }) }, rolledOut(shape))).slice(1);
  assert.deepEqual(await available({ updated: 1, ready: 2, old: 2 }), [
    "✗ The deployment “web” has 2 of 3 replicas ready; it should have 3.",
    "✗ The deployment “web” is still rolling out: 1 of 3 replicas are updated; wait for it to finish (kubectl rollout status deployment/web).",
  ]);
  assert.deepEqual(
    (await available({ old: 1 }))[1],
    "✗ The deployment “web” is still rolling out: 1 old replica still running; wait for it to finish (kubectl rollout status deployment/web).",
  );
  assert.deepEqual(
    (await available({ ready: 2 }))[1],
    "✗ The deployment “web” is still rolling out: 2 of 3 updated replicas are ready; wait for it to finish (kubectl rollout status deployment/web).",
  );
  assert.match((await available({ unobserved: true }))[1]!, /is still rolling out: its latest change has not been picked up yet/);
  assert.deepEqual(await available({ updated: 1, ready: 2, old: 2 }, false), ["✓ The deployment “web” is still rolling out: 1 of 3 replicas are updated."]);
});

test("replicaset: by deployment (count, image picks one, replicas) and by name", async () => {
  const cluster = rolledOut();
  const [old, current] = cluster.replicaSets.map((rs) => rs.metadata!.name!);
  assert.deepEqual(await said({ kind: "replicaset", deployment: "web", count: 2 }, cluster), ["✓ The deployment “web” owns 2 ReplicaSets."]);
  assert.deepEqual(await said({ kind: "replicaset", deployment: "web", count: { min: 3 } }, cluster), [
    "✗ The deployment “web” owns 2 ReplicaSets; it should own at least 3.",
  ]);
  assert.deepEqual(await said({ kind: "replicaset", deployment: "web", image: "nginx:1.24", replicas: 0 }, cluster), [
    "✓ The deployment “web” owns 2 ReplicaSets.",
    `✓ The ReplicaSet “${old}” of the deployment “web” runs nginx:1.24.`,
    `✓ The ReplicaSet “${old}” of the deployment “web” has 0 replicas.`,
  ]);
  assert.deepEqual(
    (await said({ kind: "replicaset", deployment: "web", replicas: 2 }, cluster))[1],
    `✗ The ReplicaSet “${current}” of the deployment “web” has 3 replicas, not 2.`,
    "the newest revision",
  );
  assert.deepEqual(
    (await said({ kind: "replicaset", deployment: "web", image: "nginx:1.26" }, cluster))[1],
    "✗ No ReplicaSet of the deployment “web” runs nginx:1.26 (they run nginx:1.25, nginx:1.24).",
  );
  assert.deepEqual(await said({ kind: "replicaset", deployment: "api", replicas: 1 }, cluster), [
    "✗ No ReplicaSet belongs to a deployment “api” in namespace default.",
  ]);
  assert.deepEqual(await said({ kind: "replicaset", name: current, image: "nginx:1.25", replicas: 3 }, cluster), [
    `✓ The ReplicaSet “${current}” exists.`,
    `✓ The ReplicaSet “${current}” runs nginx:1.25.`,
    `✓ The ReplicaSet “${current}” has 3 replicas.`,
  ]);
  assert.deepEqual(
    (await said({ kind: "replicaset", name: old, image: "nginx:1.25" }, cluster))[1],
    `✗ The ReplicaSet “${old}” runs nginx:1.24, not nginx:1.25.`,
  );
  assert.deepEqual(await said({ kind: "replicaset", name: "web-0000000000" }, cluster), [
    "✗ No ReplicaSet named “web-0000000000” exists in namespace default.",
  ]);
});

const served = () => ({
  ...emptyCluster(),
  services: [service("web", { type: "NodePort", ports: [{ port: 80, targetPort: 8080 }] })],
  pods: [
    pod("web-5d4f7c6b9-abcde", { labels: { app: "web" } }),
    pod("web-5d4f7c6b9-fghij", { labels: { app: "web" } }),
    pod("web-5d4f7c6b9-klmno", { labels: { app: "web" }, ready: false }),
  ],
  endpointSlices: [
    endpointSlice("web", [
      { ip: "10.244.0.11", ready: true },
      { ip: "10.244.0.12", ready: true },
      { ip: "10.244.0.13", ready: false },
    ]),
    endpointSlice("db", [{ ip: "10.244.0.20", ready: true }]),
  ],
  answers: { "default/web:80/": { status: 200, body: "<h1>Welcome to nginx!</h1>" }, "default/web:80/missing": { status: 404, body: "not found" } },
});

test("service: every field passes on a service that selects ready pods and answers", async () => {
  assert.deepEqual(
    await said(
      {
        kind: "service",
        name: "web",
        type: "NodePort",
        port: 80,
        targetPort: 8080,
        selector: "app=web",
        endpoints: 2,
        selectsPods: true,
        answers: { bodyContains: "Welcome" },
      },
      served(),
    ),
    [
      "✓ The service “web” exists.",
      "✓ The service “web” is of type NodePort.",
      "✓ The service “web” sends its port 80 to port 8080 of its pods.",
      "✓ The service “web” selects pods by app=web.",
      "✓ The service “web” has 2 ready endpoints.",
      "✓ The selector app=web of the service “web” matches 3 running pods.",
      "✓ The service “web” answered 200 on port 80 at /.",
      "✓ The answer of the service “web” contains “Welcome”.",
    ],
  );
});

test("service: every field fails with what was found", async () => {
  assert.deepEqual(
    await said(
      {
        kind: "service",
        name: "web",
        type: "LoadBalancer",
        port: 80,
        targetPort: 5000,
        selector: "app=api",
        endpoints: { min: 3 },
        selectsPods: false,
        answers: { bodyContains: "Apache" },
      },
      served(),
    ),
    [
      "✓ The service “web” exists.",
      "✗ The service “web” is of type NodePort, not LoadBalancer.",
      "✗ The service “web” sends its port 80 to port 8080 of its pods, not 5000.",
      "✗ The service “web” selects pods by app=web; it should select app=api.",
      "✗ The service “web” has 2 ready endpoints; it should have at least 3.",
      "✗ The selector app=web of the service “web” matches 3 running pods; it should match none.",
      "✓ The service “web” answered 200 on port 80 at /.",
      "✗ The answer of the service “web” was “<h1>Welcome to nginx!</h1>”, which does not contain “Apache”.",
    ],
  );
  assert.deepEqual((await said({ kind: "service", name: "web", port: 443 }, served()))[1], "✗ The service “web” has no port 443 (it has 80).");
  assert.deepEqual(
    (await said({ kind: "service", name: "web", answers: { path: "/missing" } }, served()))[1],
    "✗ The service “web” answered 404 on port 80 at /missing, not 200.",
  );
  const hung = { ...served(), answers: { "default/web:80/": "timeout" as const } };
  assert.deepEqual(
    (await said({ kind: "service", name: "web", answers: true }, hung))[1],
    "✗ The service “web” did not answer on port 80 at / (no answer within 10 s).",
  );
  assert.deepEqual(await said({ kind: "service", name: "api", port: 80 }, served()), ["✗ No service named “api” exists in namespace default."]);
  assert.deepEqual(await said({ kind: "service", name: "web", exists: false }, served()), [
    "✗ The service “web” still exists; delete it with kubectl delete service web.",
  ]);
  assert.deepEqual(await said({ kind: "service", name: "api", exists: false }, served()), ["✓ There is no service “api”."]);
});

test("service: without endpoints, the message says why from its selector and the pods it matches", async () => {
  const cluster = (selector: Record<string, string> | null, pods = served().pods) => ({ ...emptyCluster(), services: [service("web", { selector })], pods });
  const why = async (c: ReturnType<typeof cluster>) =>
    (await said({ kind: "service", name: "web", endpoints: { min: 1 }, selectsPods: true, answers: true }, c)).slice(1);
  assert.deepEqual(await why(cluster({ app: "wbe" })), [
    "✗ The service “web” has no ready endpoints: its selector app=wbe matches no pod.",
    "✗ The service “web” selects no running pod: its selector app=wbe matches no pod.",
    '✗ The service “web” did not answer on port 80 at /: no endpoints available for service "web".',
  ]);
  assert.deepEqual((await why(cluster(null)))[0], "✗ The service “web” has no ready endpoints: it has no selector, so it matches no pod.");
  const pending = [pod("web-5d4f7c6b9-abcde", { labels: { app: "web" }, phase: "Pending", waiting: "ImagePullBackOff" })];
  assert.deepEqual(
    (await why(cluster({ app: "web" }, pending)))[0],
    "✗ The service “web” has no ready endpoints: its selector app=web matches 1 pod, none of them running.",
  );
  const unready = [pod("web-5d4f7c6b9-abcde", { labels: { app: "web" }, ready: false })];
  assert.deepEqual(
    (await why(cluster({ app: "web" }, unready)))[0],
    "✗ The service “web” has no ready endpoints: its selector app=web matches 1 running pod, none of them ready.",
  );
  assert.deepEqual(await said({ kind: "service", name: "web", endpoints: 0, selectsPods: false }, cluster({ app: "wbe" })), [
    "✓ The service “web” exists.",
    "✓ The service “web” has no ready endpoints.",
    "✓ The service “web” selects no running pod.",
  ]);
});
