import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { parseLesson } from "@dockyard/contract/server";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { LabManager } from "../../lab-runner/src/labs";
import { ADMIN_KUBECONFIG } from "../../lab-runner/src/kubernetes/cluster";

// A real Kubernetes control plane for the Kubernetes driver's tests: a Kubernetes lab (issue 16's machinery) booted
// on Dockyard's engine through the Docker driver and LabManager. node1 runs etcd, the API server, the scheduler and
// controller-manager, and a REAL kubelet with containerd (node2 too when asked for); kwok adds fake nodes that take pods
// on paper only (they carry the taint kwok.x-k8s.io/node=fake:NoSchedule and the label type=kwok).
//
// Isolation: node1 is a Dockyard sandbox (a user-namespaced container of the host's engine), and the pods its kubelet
// runs share node1's user namespace; its containerd (1.6) offers pods no user namespaces of their own. That is NOT the
// per-pod isolation a production cluster must give Dockyard's pods (hostUsers: false, or an isolating RuntimeClass).
//
// The lesson is built in code, so it may ask for more fake nodes than a lesson can (MAX_FAKE_NODES): the lab boots
// with one (which starts kwok), and the rest are made here through the API, the same Node objects the cluster
// script makes, which is quicker than the script's one `kubectl apply` each. Prerequisites: `bash scripts/engine.sh
// start`, `bash scripts/images.sh` and `bash scripts/kubernetes/build.sh`. Run under the shared lock.

export interface TestClusterOptions {
  /** kwok fake nodes (fake-node-1…N); 50 unless given. */
  fakeNodes?: number;
  /** Real nodes (node1, node2): 1 unless given. */
  nodes?: 1 | 2;
  /** Course images the real nodes' containerd holds (names as in content/images). */
  images?: string[];
  /** Each real node's memory: a control plane, 50 fake nodes and 500 fake pods need ~1.5 GiB on node1; 3 GiB unless given. */
  memoryMiB?: number;
  /** Tells how far the boot is (e.g. console.log). */
  log?: (line: string) => void;
}

export interface TestCluster {
  /** A kubeconfig file (cluster-admin) whose server is https://<node1's address>:6443, reachable from this host. */
  kubeconfigPath: string;
  /** The Kubernetes lab the cluster runs in (on Dockyard's engine). */
  sandboxId: string;
  /** node1's address on its lab network (where the API server listens, port 6443). */
  node1Address: string;
  /** The Docker driver the cluster's lab runs on (to exec into node1, e.g. to read logs). */
  driver: DockerSandboxDriver;
  /** The names of the fake nodes. */
  fakeNodes: string[];
  /** Removes the lab and the kubeconfig file; idempotent. */
  remove(): Promise<void>;
}

const SLUG = "test-cluster";

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const fakeCount = options.fakeNodes ?? 50;
  const log = options.log ?? (() => {});
  const lesson = parseLesson(
    `---\ntitle: Test cluster\nsummary: A control plane for the Kubernetes driver's tests\norder: 1\nminutes: 5\n` +
      `images: [${(options.images ?? []).join(", ")}]\nnodes: ${options.nodes ?? 1}\nkubernetes: {fakeNodes: ${Math.min(fakeCount, 1)}}\n---\n\n<Step id="up" title="Up">\n\nA cluster.\n\n</Step>\n`,
    "lesson.mdx",
    SLUG,
  );
  const memoryBytes = (options.memoryMiB ?? 3072) * 1024 ** 2;
  // No warm pool (Kubernetes labs are never claimed from it) and no disk templates: a plain boot.
  const driver = new DockerSandboxDriver({ memoryBytes, memoryReserveBytes: 256 * 1024 ** 2, cpus: 2, templates: false });
  const labs = new LabManager(driver, {
    idleTimeoutMs: 24 * 3_600_000,
    findLesson: (slug) => (slug === SLUG ? lesson : undefined),
    spawnPty: () => {
      throw new Error("the test cluster has no terminals");
    },
  });
  let sandboxId = "";
  let dir = "";
  const remove = async () => {
    if (sandboxId) await labs.remove(sandboxId);
    if (dir) await rm(dir, { recursive: true, force: true });
    sandboxId = dir = "";
  };
  try {
    sandboxId = await labs.ensure(`test-cluster-${process.pid}`, SLUG);
    await labs.watch(sandboxId, (m) => {
      if (m.type === "stage") log(`test cluster: ${m.stage}${m.detail ? ` (${m.detail})` : ""}`);
    });
    const node1Address = ((await driver.endpoint(sandboxId, "node1", 6443)) as { host: string } | undefined)?.host;
    if (!node1Address) throw new Error("the test cluster's node1 has no address");
    const admin = await driver.exec(sandboxId, ["cat", ADMIN_KUBECONFIG], { timeoutMs: 10_000 });
    if (admin.exitCode !== 0) throw new Error(`the test cluster has no admin kubeconfig: ${admin.output}`);
    const kc = new KubeConfig();
    kc.loadFromString(admin.output);
    const server = `https://${node1Address}:6443`;
    kc.clusters = kc.clusters.map((c) => ({ ...c, server }));
    dir = await mkdtemp(path.join(os.tmpdir(), "dockyard-test-cluster-"));
    const kubeconfigPath = path.join(dir, "admin.kubeconfig");
    await writeFile(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
    const fakeNodes = Array.from({ length: fakeCount }, (_, i) => `fake-node-${i + 1}`);
    await addFakeNodes(kc.makeApiClient(CoreV1Api), fakeNodes.slice(1), log);
    return { kubeconfigPath, sandboxId, node1Address, driver, fakeNodes, remove };
  } catch (e) {
    await remove().catch(() => {});
    throw e;
  }
}

/** Makes fake nodes as the cluster script's `addons` does (kwok manages them by their annotation) and waits until all are Ready. */
async function addFakeNodes(core: CoreV1Api, names: string[], log: (line: string) => void): Promise<void> {
  if (names.length === 0) return;
  const resources = { cpu: "4", memory: "8Gi", pods: "110" };
  for (const name of names)
    await core.createNode({
      body: {
        metadata: {
          name,
          annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
          labels: { type: "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" },
        },
        spec: { taints: [{ key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" }] },
        status: { allocatable: resources, capacity: resources },
      },
    });
  log(`test cluster: ${names.length} more fake nodes made, waiting for them to be Ready`);
  const deadline = Date.now() + 180_000;
  const wanted = new Set(names);
  for (;;) {
    const nodes = await core.listNode({ labelSelector: "type=kwok" });
    const ready = nodes.items.filter((n) => wanted.has(n.metadata?.name ?? "") && n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    if (ready.length === wanted.size) return;
    if (Date.now() > deadline) throw new Error(`only ${ready.length} of ${wanted.size} fake nodes became Ready within 180 s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
