import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseLesson, sandboxIdFor } from "@dockyard/contract/server";
import { LabManager } from "../../lab-runner/src/labs";
import { DriverError } from "../../lab-runner/src/sandbox/driver";
import { KubernetesSandboxDriver } from "../../lab-runner/src/sandbox/kubernetes";
import { kubeClients, loadKubeConfig, type KubeClients } from "../../lab-runner/src/sandbox/kubernetes/client";
import { execInPod } from "../../lab-runner/src/sandbox/kubernetes/exec";
import { registryPodName, type PodSettings } from "../../lab-runner/src/sandbox/kubernetes/objects";
import { spawnPty } from "../../lab-runner/src/terminal/pty";
import { startTestCluster, type TestCluster } from "../support/test-cluster";
import { prepareNode1, SECCOMP_LOCALHOST } from "../support/sandbox-pod";

// End to end on a REAL node: a lab through LabManager with the Kubernetes driver, its pods on node1 (kubelet + containerd
// inside a Dockyard sandbox). The learner's terminal (node-pty running the exec bridge), a check judged against the
// pod's inner dockerd (through a port-forward), the lab's registry pod (pushed to from the node), removal (every
// object gone), and adoption by a new driver and LabManager after a "restart".
// Isolation: node1 runs all pods inside ONE Dockyard sandbox's user namespace (containerd 1.6: no per-pod user
// namespaces), so the driver refuses it unless insecure mode is on (the first test); that is exactly the isolation a
// production cluster must give instead (hostUsers: false, or a RuntimeClass such as Sysbox or Kata). Run under the lock.

const SLUG = "kubernetes-node-e2e";
const LESSON = parseLesson(
  "---\ntitle: K\nsummary: S\norder: 1\nminutes: 5\nimages: [busybox]\nregistry: true\n---\n\n" +
    '<Step id="run" title="Run">\n\n```check\nkind: container\nname: web\nstatus: running\n```\n</Step>\n',
  "lesson.mdx",
  SLUG,
);
const NAMESPACE = `dockyard-e2e-${process.pid}`;
const LEARNER = `e2e-${process.pid}`;
const LAB = sandboxIdFor(LEARNER, SLUG);

let cluster: TestCluster | undefined;
let clients: KubeClients;
let settings: Partial<PodSettings>;
const drivers: KubernetesSandboxDriver[] = [];

/** A driver and LabManager as a lab-runner (re)starting with these settings would make them. */
function labRunner(more: Partial<PodSettings> = {}): { driver: KubernetesSandboxDriver; labs: LabManager } {
  const driver = new KubernetesSandboxDriver({ settings: { ...settings, ...more }, bootTimeoutMs: 240_000 });
  drivers.push(driver);
  const labs = new LabManager(driver, { idleTimeoutMs: 3_600_000, findLesson: (slug) => (slug === SLUG ? LESSON : undefined), spawnPty });
  return { driver, labs };
}

/** Types a line into the node's shared shell and waits until the output matches. */
async function typed(labs: LabManager, line: string, expected: RegExp): Promise<string> {
  let output = "";
  const detach = labs.session(LAB).attach({ output: (data) => (output += data.toString("utf8")), control() {} });
  try {
    labs.session(LAB).input(`${line}\r`);
    for (let i = 0; i < 600 && !expected.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(output, expected, `after typing ${line}`);
    return output;
  } finally {
    detach();
  }
}

const labObjects = async () => {
  const selector = { namespace: NAMESPACE, labelSelector: `dockyard.io/lab=${LAB}` };
  const pods = (await clients.core.listNamespacedPod(selector)).items.map((p) => `pod/${p.metadata?.name}`);
  const services = (await clients.core.listNamespacedService(selector)).items.map((s) => `service/${s.metadata?.name}`);
  const policies = (await clients.networking.listNamespacedNetworkPolicy(selector)).items.map((n) => `networkpolicy/${n.metadata?.name}`);
  return [...pods, ...services, ...policies].sort();
};

before(async () => {
  cluster = await startTestCluster({ fakeNodes: 0, images: ["busybox"], log: (line) => console.log(`# ${line}`) });
  process.env.DOCKYARD_KUBECONFIG = cluster.kubeconfigPath; // as the lab-runner is configured: the terminal bridge reads it too
  clients = kubeClients(loadKubeConfig(cluster.kubeconfigPath));
  const image = await prepareNode1(cluster, ["busybox", "hello-world"], ["dockyard/registry:latest"]); // one image for lessons of either
  await clients.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  settings = {
    namespace: NAMESPACE,
    image,
    seccompProfile: SECCOMP_LOCALHOST,
    insecure: true,
    limits: { memoryBytes: 768 * 1024 ** 2, containersMemoryBytes: 640 * 1024 ** 2, cpus: 1, processes: 1024, diskBytes: 200 * 1024 ** 2 },
  };
});

after(async () => {
  for (const driver of drivers) await driver.remove(LAB).catch(() => undefined);
  await cluster?.remove();
  delete process.env.DOCKYARD_KUBECONFIG;
});

describe("a lab on a real Kubernetes node, end to end through LabManager", { timeout: 900_000 }, () => {
  test("without insecure mode the driver refuses this node, saying it offers no user namespaces", async () => {
    const { driver } = labRunner({ insecure: false });
    await assert.rejects(driver.start({ learnerId: LEARNER, lessonSlug: SLUG, images: ["busybox"] }), (e: unknown) => {
      assert.ok(e instanceof DriverError, String(e));
      assert.equal(e.code, "host_not_prepared");
      assert.match(e.message, /user namespace/);
      assert.match(e.message, /DOCKYARD_KUBERNETES_INSECURE=1/);
      return true;
    });
    assert.deepEqual(await labObjects(), [], "nothing was made");
  });

  test("the lab boots to ready; the terminal answers what is typed; a check passes against the pod's inner dockerd", async () => {
    const { labs, driver } = labRunner();
    const t0 = performance.now();
    assert.equal(await labs.ensure(LEARNER, SLUG), LAB);
    const ready = await labs.watch(LAB, () => {});
    console.log(`# lab on the real node ready in ${Math.round(performance.now() - t0)} ms`);
    assert.equal(ready.running, true);
    assert.deepEqual(await labObjects(), [`networkpolicy/${LAB}`, `pod/${LAB}-node1`, `pod/${LAB}-registry`, `service/${LAB}`]);
    const loaded = await driver.exec(LAB, ["docker", "image", "ls", "--format", "{{.Repository}}"]);
    assert.deepEqual([...new Set(loaded.output.trim().split("\n"))], ["busybox"], "only the lesson's images are loaded, not every one the image holds");

    await typed(labs, "echo $((6*7)) $(hostname) $PWD", /42 \S+ \/root/);
    const before = await labs.check(LAB, SLUG, "run");
    assert.equal(before.passed, false);
    await typed(labs, "docker run -d --name web busybox sleep 1d >/dev/null && echo started-$((1+1))", /started-2/);
    const after = await labs.check(LAB, SLUG, "run");
    assert.equal(after.passed, true, after.criteria.map((c) => c.message).join("\n"));
  });

  test("the lab's registry: the learner logs in and pushes from the node, and the registry holds the image", async () => {
    const { labs } = labRunner();
    await labs.adopt();
    const { host, username, password } = await labs.registry(LAB, SLUG);
    assert.equal(host, "registry:5000");
    await typed(
      labs,
      `echo '${password}' | docker login ${host} -u ${username} --password-stdin >/dev/null && docker tag busybox ${host}/mine:v1 && docker push -q ${host}/mine:v1 >/dev/null && echo pushed-$((2+2))`,
      /pushed-4/,
    );
    const registry = await clients.core.readNamespacedPod({ namespace: NAMESPACE, name: registryPodName(LAB) });
    const registryRef = { namespace: NAMESPACE, name: registryPodName(LAB), container: registry.spec!.containers[0]!.name };
    const stored = await execInPod(clients.kc, registryRef, ["ls", "/var/lib/docker-registry/docker/registry/v2/repositories/mine/_manifests/tags"]);
    assert.deepEqual(stored, { exitCode: 0, output: "v1\n" }, "the registry pod stores the pushed tag");
  });

  test("after a lab-runner restart, a new driver and LabManager adopt the running lab, and its terminal works", async () => {
    const { driver, labs } = labRunner();
    assert.equal(await labs.adopt(), 1);
    const adopted = await driver.get(LAB);
    assert.deepEqual(
      { running: adopted?.running, learnerId: adopted?.learnerId, lessonSlug: adopted?.lessonSlug },
      { running: true, learnerId: LEARNER, lessonSlug: SLUG },
    );
    await typed(labs, "docker ps --format 'ps:{{.Names}}'", /ps:web/);
    const check = await labs.check(LAB, SLUG, "run");
    assert.equal(check.passed, true, "the inner dockerd kept its container across the lab-runner's restart");
  });

  test("removal deletes every object of the lab", async () => {
    const { labs } = labRunner();
    await labs.adopt();
    await labs.remove(LAB);
    assert.deepEqual(await labObjects(), []);
    assert.equal((await clients.core.listNamespacedPod({ namespace: NAMESPACE })).items.length, 0);
  });
});
