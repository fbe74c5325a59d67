import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { issueAdminToken, type HostStatus } from "@dockyard/contract/server";
import { PortForwards } from "../../lab-runner/src/sandbox/kubernetes/forward";
import { startTestCluster, type TestCluster } from "../support/test-cluster";
import { importIntoNode1 } from "../support/sandbox-pod";

// Dockyard's own image running IN the cluster, from its manifests: the lab-runner's StatefulSet (one replica, its
// disk an emptyDir: this cluster has no storage provisioner) runs `npm run start:runner` from dockyard/dockyard on the test
// cluster's real node, with the Kubernetes driver, in-cluster credentials and its ServiceAccount's rights alone; it
// answers its readiness probe and an admin's status through the API's port-forward, listing the labs of
// dockyard-labs. The same image runs on one host in tests/integration/dockyard-image.test.ts. Prerequisites: the
// engine, scripts/images.sh, scripts/kubernetes/build.sh; scripts/kubernetes/image.sh is run here (a cache hit
// after dockyard-image.test).

const DEPLOY = path.resolve("scripts/kubernetes/deploy");
const KUBECTL = path.join(execFileSync("bash", ["scripts/kubernetes/build.sh", "--path"], { encoding: "utf8" }).trim(), "kubectl");
const SECRET = "k8s-pods-test-secret-0123456789abcdef";
/** This cluster has no storage provisioner: the lab-runner's recordings go on an emptyDir instead of its claim. */
const NO_CLAIM =
  '{"op": "remove", "path": "/spec/volumeClaimTemplates"}, {"op": "add", "path": "/spec/template/spec/volumes", "value": [{"name": "data", "emptyDir": {}}]}';

let cluster: TestCluster;
let core: CoreV1Api;
let forwards: PortForwards;
let overlay = "";

const kubectl = (...args: string[]) => {
  const run = spawnSync(KUBECTL, ["--kubeconfig", cluster.kubeconfigPath, ...args], { encoding: "utf8", timeout: 180_000 });
  assert.equal(run.status, 0, `kubectl ${args.join(" ")}: ${run.stdout}${run.stderr}`);
  return run.stdout;
};

/** A GET to the lab-runner-0 pod's port 3001 through the API's port-forward. */
function get(pathname: string, token?: string): Promise<{ status: number; body: string }> {
  const socketPath = forwards.socketFor({ namespace: "dockyard", name: "lab-runner-0", container: "lab-runner" }, 3001);
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: pathname, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
}

before(async () => {
  cluster = await startTestCluster({ fakeNodes: 0, memoryMiB: 3072 });
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  forwards = new PortForwards(kc);
  execFileSync("bash", ["scripts/kubernetes/image.sh"], { stdio: ["ignore", "ignore", "inherit"] });
  await importIntoNode1(cluster, ["dockyard/dockyard:latest"]);
  kubectl("create", "namespace", "dockyard");
  kubectl("-n", "dockyard", "create", "secret", "generic", "dockyard-secrets", `--from-literal=DOCKYARD_SECRET=${SECRET}`);
  overlay = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-pods-"));
  const replicas = { site: 0, front: 0, postgres: 0, "lab-runner": 1 };
  fs.writeFileSync(
    path.join(overlay, "kustomization.yaml"),
    `resources: [${path.relative(overlay, DEPLOY)}]\nreplicas:\n${Object.entries(replicas)
      .map(([name, count]) => `  - name: ${name}\n    count: ${count}\n`)
      .join(
        "",
      )}patches:\n  - target: { kind: StatefulSet, name: lab-runner }\n    patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/env/0/value", "value": "1"}, ${NO_CLAIM}]'\n`,
  );
  kubectl("apply", "-k", overlay);
});

after(async () => {
  forwards?.closeAll();
  if (overlay) fs.rmSync(overlay, { recursive: true, force: true });
  await cluster?.remove();
});

describe("Dockyard's lab-runner in the cluster, from its image and manifests", { timeout: 900_000 }, () => {
  test("lab-runner-0 becomes Ready on the real node, running the image's npm run start:runner", async () => {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const pod = await core.readNamespacedPod({ namespace: "dockyard", name: "lab-runner-0" }).catch(() => undefined);
      if (pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) {
        assert.equal(pod.spec?.containers[0]?.image, "dockyard/dockyard:latest");
        assert.deepEqual(pod.spec?.containers[0]?.command, ["npm", "run", "start:runner"]);
        assert.equal(pod.spec?.serviceAccountName, "lab-runner");
        break;
      }
      if (Date.now() > deadline)
        assert.fail(`lab-runner-0 not Ready: ${JSON.stringify(pod?.status)}\n${kubectl("-n", "dockyard", "logs", "lab-runner-0", "--tail", "30")}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.match(kubectl("-n", "dockyard", "logs", "lab-runner-0"), /\[lab-runner\] listening on http:\/\/0\.0\.0\.0:3001 \(adopted 0 running sandboxes\)/);
  });

  test("it answers through the API's port-forward: /health, and an admin's status from the cluster with its own rights", async () => {
    assert.equal((await get("/health")).status, 200);
    assert.equal((await get("/admin/status")).status, 401, "the admin routes still want an admin token");
    const status = await get("/admin/status", issueAdminToken(SECRET, { admin: "root" }, 60));
    assert.equal(status.status, 200, status.body);
    const host = JSON.parse(status.body) as HostStatus;
    assert.equal(host.engine.answers, true, "its driver reaches the API server from inside the cluster");
    assert.deepEqual(host.labs, [], "no labs yet (its start listed dockyard-labs: a refused list would have stopped it)");
  });
});
