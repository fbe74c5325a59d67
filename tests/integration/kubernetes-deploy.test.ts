import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AppsV1Api, AuthorizationV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { startTestCluster, type TestCluster } from "../support/test-cluster";
import { kubeClients } from "../../lab-runner/src/sandbox/kubernetes/client";
import { KubernetesSandboxDriver } from "../../lab-runner/src/sandbox/kubernetes";

// Dockyard's own manifests (scripts/kubernetes/deploy/) against a real API server (tests/support/test-cluster.ts):
// `kubectl apply -k` takes them as they are (through an overlay that scales every workload to 0, so no pod pulls an
// image: what is proven is that the API server accepts every object), and the lab-runner's ServiceAccount may do
// what its Kubernetes driver does and nothing more, asked with SubjectAccessReviews and then shown by running the
// driver itself with that account's token: a lab started on the cluster's kwok node, listed, suspended, removed.

const DEPLOY = path.resolve("scripts/kubernetes/deploy");
const SA = { user: "system:serviceaccount:dockyard:lab-runner", groups: ["system:serviceaccounts", "system:serviceaccounts:dockyard", "system:authenticated"] };
const KUBECTL = path.join(execFileSync("bash", ["scripts/kubernetes/build.sh", "--path"], { encoding: "utf8" }).trim(), "kubectl");

let cluster: TestCluster;
let kc: KubeConfig;
let overlay: string;

const kubectl = (...args: string[]) => spawnSync(KUBECTL, ["--kubeconfig", cluster.kubeconfigPath, ...args], { encoding: "utf8", timeout: 120_000 });

/** Whether the lab-runner's ServiceAccount may do this (a SubjectAccessReview, as the API server decides it). */
async function allowed(verb: string, resource: string, namespace?: string, group = "", subresource?: string): Promise<boolean> {
  const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: { spec: { ...SA, resourceAttributes: { verb, resource, namespace, group, subresource } } },
  });
  return review.status?.allowed === true;
}

describe("Dockyard's manifests on a real API server", { timeout: 900_000 }, () => {
  before(async () => {
    cluster = await startTestCluster({ fakeNodes: 1, memoryMiB: 1536 });
    kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    overlay = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-deploy-"));
    const scaled = ["Deployment/site", "Deployment/front", "StatefulSet/lab-runner", "StatefulSet/postgres"];
    // The patch README's "Scale out" gives for DOCKYARD_RUNNER_REPLICAS, applied here too.
    const replicasPatch = `patches:\n  - target: { kind: StatefulSet, name: lab-runner }\n    patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/env/0/value", "value": "4"}]'\n`;
    fs.writeFileSync(
      path.join(overlay, "kustomization.yaml"),
      `resources: [${path.relative(overlay, DEPLOY)}]\nreplicas:\n${scaled.map((w) => `  - name: ${w.split("/")[1]}\n    count: 0\n`).join("")}${replicasPatch}`,
    );
  });
  after(async () => {
    if (overlay) fs.rmSync(overlay, { recursive: true, force: true });
    await cluster?.remove(); // the whole cluster goes, and everything applied to it
  });

  test("kubectl apply -k takes every manifest (server-side), and the objects are there as written", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "dockyard" } } });
    const secret = {
      DOCKYARD_SECRET: "s".repeat(64),
      POSTGRES_PASSWORD: "pw",
      DATABASE_URL: "postgresql://dockyard:pw@postgres:5432/dockyard",
      DOCKYARD_ADMIN_PASSWORD: "a".repeat(12),
    };
    await core.createNamespacedSecret({ namespace: "dockyard", body: { metadata: { name: "dockyard-secrets" }, stringData: secret } });

    // A server-side dry run needs the namespaces its objects go into: those first, then everything checked, then applied.
    const namespaces = kubectl("apply", "--server-side", "-f", path.join(DEPLOY, "namespaces.yaml"));
    assert.equal(namespaces.status, 0, namespaces.stderr);
    const dry = kubectl("apply", "--server-side", "--dry-run=server", "-k", overlay);
    assert.equal(dry.status, 0, dry.stderr);
    const applied = kubectl("apply", "--server-side", "-k", overlay);
    assert.equal(applied.status, 0, applied.stderr);
    for (const object of [
      "namespace/dockyard-labs",
      "serviceaccount/lab-runner",
      "statefulset.apps/lab-runner",
      "deployment.apps/site",
      "clusterrole.rbac.authorization.k8s.io/dockyard-lab-runner-isolation",
    ])
      assert.match(applied.stdout, new RegExp(`${object.replace(/\./g, "\\.")} serverside-applied`));

    const apps = kc.makeApiClient(AppsV1Api);
    const runner = await apps.readNamespacedStatefulSet({ name: "lab-runner", namespace: "dockyard" });
    assert.equal(runner.spec?.serviceName, "lab-runner");
    assert.equal(runner.spec?.replicas, 0, "the overlay scaled it");
    const pod = runner.spec!.template;
    assert.equal(pod.spec?.serviceAccountName, "lab-runner");
    assert.equal(pod.metadata?.labels?.["dockyard.io/component"], "lab-runner", "the label the labs' NetworkPolicies let in");
    assert.deepEqual(pod.spec?.containers[0]?.command, ["npm", "run", "start:runner"]);
    assert.deepEqual({ ...pod.spec?.containers[0]?.env?.[0] }, { name: "DOCKYARD_RUNNER_REPLICAS", value: "4" }, "README's overlay patch reaches it");
    assert.equal(pod.spec?.containers[0]?.securityContext?.allowPrivilegeEscalation, false);
    const site = await apps.readNamespacedDeployment({ name: "site", namespace: "dockyard" });
    assert.deepEqual(site.spec?.template.spec?.containers[0]?.command, ["npm", "run", "start:site"]);
    assert.equal(site.spec?.template.spec?.automountServiceAccountToken, false, "the site has no API access");
    const settings = await core.readNamespacedConfigMap({ name: "dockyard-settings", namespace: "dockyard" });
    assert.equal(settings.data?.DOCKYARD_SANDBOX_DRIVER, "kubernetes");
    assert.equal((await core.readNamespacedService({ name: "lab-runner", namespace: "dockyard" })).spec?.clusterIP, "None");
    const policies = await kc.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace: "dockyard" });
    assert.deepEqual(policies.items.map((p) => p.metadata?.name).sort(), ["default-deny-ingress", "front", "lab-runner", "postgres", "site"]);
    const role = await kc.makeApiClient(RbacAuthorizationV1Api).readNamespacedRole({ name: "dockyard-lab-runner", namespace: "dockyard-labs" });
    assert.ok(!(role.rules ?? []).some((r) => r.resources?.includes("secrets") || r.verbs.includes("*") || r.resources?.includes("*")));
  });

  test("the lab-runner may do what its driver does in dockyard-labs, and read nodes and RuntimeClasses", async () => {
    const may: [string, string, string?, string?][] = [
      ["create", "pods"],
      ["get", "pods"],
      ["list", "pods"],
      ["watch", "pods"],
      ["delete", "pods"],
      ["deletecollection", "pods"],
      ["create", "pods", "", "exec"],
      ["get", "pods", "", "exec"],
      ["create", "pods", "", "portforward"],
      ["create", "services"],
      ["get", "services"],
      ["list", "services"],
      ["update", "services"],
      ["delete", "services"],
      ["create", "networkpolicies", "networking.k8s.io"],
      ["create", "persistentvolumeclaims"],
      ["delete", "persistentvolumeclaims"],
      ["list", "events"],
    ];
    for (const [verb, resource, group = "", sub] of may)
      assert.ok(await allowed(verb, resource, "dockyard-labs", group, sub), `${verb} ${resource}${sub ? `/${sub}` : ""}`);
    assert.ok(await allowed("list", "nodes"));
    assert.ok(await allowed("get", "runtimeclasses", undefined, "node.k8s.io"));
  });

  test("the lab-runner may not touch secrets, other namespaces, nodes or RBAC", async () => {
    const mayNot: [string, string, string | undefined, string?, string?][] = [
      ["get", "secrets", "dockyard-labs"],
      ["list", "secrets", "dockyard"],
      ["create", "pods", "dockyard"],
      ["create", "pods", "default"],
      ["create", "pods", "dockyard", "", "exec"],
      ["delete", "pods", "kube-system"],
      ["list", "pods", undefined], // across all namespaces
      ["update", "nodes", undefined],
      ["delete", "nodes", undefined],
      ["patch", "nodes", undefined, "", "status"],
      ["create", "roles", "dockyard-labs", "rbac.authorization.k8s.io"],
      ["create", "rolebindings", "dockyard-labs", "rbac.authorization.k8s.io"],
      ["create", "deployments", "dockyard-labs", "apps"],
      ["create", "serviceaccounts", "dockyard-labs"],
      ["create", "runtimeclasses", undefined, "node.k8s.io"],
      ["update", "configmaps", "dockyard"],
    ];
    for (const [verb, resource, namespace, group = "", sub] of mayNot)
      assert.equal(await allowed(verb, resource, namespace, group, sub), false, `${verb} ${resource}${sub ? `/${sub}` : ""} in ${namespace ?? "the cluster"}`);
  });

  test("the driver itself, with the ServiceAccount's token, starts, lists, suspends and removes a lab (on the kwok node)", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const token = await core.createNamespacedServiceAccountToken({
      name: "lab-runner",
      namespace: "dockyard",
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const asRunner = new KubeConfig();
    const admin = kc.getCurrentCluster()!;
    asRunner.loadFromOptions({
      clusters: [{ name: "test", server: admin.server, caData: admin.caData, caFile: admin.caFile, skipTLSVerify: admin.skipTLSVerify }],
      users: [{ name: "lab-runner", token: token.status!.token }],
      contexts: [{ name: "lab-runner", cluster: "test", user: "lab-runner" }],
      currentContext: "lab-runner",
    });
    const driver = new KubernetesSandboxDriver({
      clients: kubeClients(asRunner),
      // The test node offers no user namespaces (tests/support/test-cluster.ts): insecure mode; the pods go to the kwok node.
      settings: {
        namespace: "dockyard-labs",
        insecure: true,
        nodeSelector: { type: "kwok" },
        tolerations: [{ key: "kwok.x-k8s.io/node", operator: "Exists", effect: "NoSchedule" }],
      },
      bootTimeoutMs: 120_000,
    });
    const spec = { learnerId: `deploy-${process.pid}`, lessonSlug: "first-container", images: [], nodes: 2 };
    const sandbox = await driver.start(spec);
    try {
      assert.deepEqual(sandbox.nodes, ["node1", "node2"]);
      assert.deepEqual(
        (await driver.list()).map((s) => s.id),
        [sandbox.id],
      );
      await driver.suspend(sandbox.id);
      assert.ok((await driver.get(sandbox.id))?.suspendedAt, "suspended: the Service keeps the lab's state");
    } finally {
      await driver.remove(sandbox.id);
    }
    assert.equal(await driver.get(sandbox.id), undefined);
    // And the same account cannot reach into Dockyard's own namespace.
    await assert.rejects(kubeClients(asRunner).core.listNamespacedPod({ namespace: "dockyard" }), /forbidden|403/i);
  });
});
