import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { dockerCli, engineSocket } from "@dockyard/contract/server";
import { nodeContainer } from "../../lab-runner/src/sandbox/docker/naming";
import { SECCOMP_PROFILE } from "../../lab-runner/src/sandbox/docker/paths";
import type { TestCluster } from "./test-cluster";

// Dockyard's sandbox as a pod on the test cluster's REAL node (node1: kubelet + containerd 1.6 inside a Dockyard
// sandbox), as measured there (README "Scale out"): not privileged, the Docker driver's 17 capabilities, its seccomp
// profile as a Localhost profile, the disk an emptyDir, readiness = /run/dockyard-ready. The image is the cluster's
// sandbox image (the sandbox image with course images baked in: a cluster's nodes share no files with the lab-runner),
// imported into node1's containerd, since the test cluster has no registry to pull from.

export const SANDBOX_CONTAINER = "sandbox";
export const SECCOMP_LOCALHOST = "dockyard/seccomp-dind.json";
const SANDBOX_IMAGE_SCRIPT = path.resolve(path.dirname(SECCOMP_PROFILE), "../../scripts/kubernetes/sandbox-image.sh");
const KUBELET_SECCOMP_DIR = "/var/lib/kubelet/seccomp/dockyard";
const CONTAINERD = ["ctr", "--address", "/run/containerd-k8s/containerd.sock", "-n", "k8s.io"];
// prettier-ignore
const CAPS = ["CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
  "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"];

/** A pod running the sandbox image in pod mode, on node1, with the spec the real node needed, loading these course images. */
export function sandboxPod(name: string, image: string, images: string[], limits = { memory: "512Mi", cpu: "500m", disk: "200Mi" }): V1Pod {
  return {
    metadata: { name, labels: { "dockyard.io/test": "sandbox-pod" } },
    spec: {
      hostname: "node1",
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: SANDBOX_CONTAINER,
          image,
          imagePullPolicy: "Never",
          command: ["/usr/bin/docker-init", "--", "/usr/local/sbin/dockyard-entry"],
          env: [
            { name: "DOCKYARD_POD", value: "1" },
            { name: "DOCKYARD_IMAGES", value: images.join(" ") },
          ],
          securityContext: {
            privileged: false,
            capabilities: { drop: ["ALL"], add: CAPS },
            seccompProfile: { type: "Localhost", localhostProfile: SECCOMP_LOCALHOST },
          },
          readinessProbe: { exec: { command: ["test", "-e", "/run/dockyard-ready"] }, periodSeconds: 1 },
          resources: { requests: { memory: limits.memory, cpu: limits.cpu }, limits: { memory: limits.memory, cpu: limits.cpu } },
          volumeMounts: [{ name: "disk", mountPath: "/var/lib/dockyard-disk" }],
        },
      ],
      volumes: [{ name: "disk", emptyDir: { sizeLimit: limits.disk } }],
    },
  };
}

/** Runs a shell pipeline on this host, failing with its output. */
function sh(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-o", "pipefail", "-c", script], { env: { ...process.env, DOCKER_HOST: `unix://${engineSocket()}` } });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${script}\nexit ${code}: ${output}`))));
  });
}

/**
 * Builds the cluster's sandbox image holding these course images (scripts/kubernetes/sandbox-image.sh, on Dockyard's
 * engine) and imports it into node1's containerd with `also` (images of Dockyard's engine as they are, e.g. the
 * registry's); installs the seccomp profile where node1's kubelet looks for Localhost profiles. Returns the image's
 * name as the cluster knows it.
 */
export async function prepareNode1(cluster: TestCluster, images: string[], also: string[] = []): Promise<string> {
  const tag = `dockyard/sandbox-pod-test:${images.length ? [...images].sort().join("_") : "none"}`;
  await sh(`bash ${SANDBOX_IMAGE_SCRIPT} --tag ${tag} ${images.join(" ")} >/dev/null`);
  await importIntoNode1(cluster, [tag, ...also]);
  const profile = await cluster.driver.exec(
    cluster.sandboxId,
    ["sh", "-c", `mkdir -p ${KUBELET_SECCOMP_DIR} && cat > ${KUBELET_SECCOMP_DIR}/seccomp-dind.json`],
    {
      stdin: await readFile(SECCOMP_PROFILE, "utf8"),
    },
  );
  if (profile.exitCode !== 0) throw new Error(`could not install the seccomp profile on node1: ${profile.output}`);
  return `docker.io/${tag}`;
}

/** Imports images of Dockyard's engine into node1's containerd, as a cluster without a registry gets them. */
export async function importIntoNode1(cluster: TestCluster, refs: string[]): Promise<void> {
  const node1 = nodeContainer(cluster.sandboxId, "node1");
  await sh(`${dockerCli()} save ${refs.join(" ")} | ${dockerCli()} exec -i ${node1} ${CONTAINERD.join(" ")} images import - >/dev/null`);
}

/** Creates the pod and waits until it is Ready (its entry wrote /run/dockyard-ready); says why when it does not become so. */
export async function startSandboxPod(kc: KubeConfig, namespace: string, pod: V1Pod, timeoutMs = 120_000): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = pod.metadata!.name!;
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => undefined); // there already
  await core.createNamespacedPod({ namespace, body: pod });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await core.readNamespacedPod({ namespace, name });
    if (now.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return;
    if (Date.now() > deadline) throw new Error(`pod ${name} not Ready within ${timeoutMs} ms: ${JSON.stringify(now.status?.containerStatuses)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Deletes a pod at once and waits until it is gone. */
export async function removeSandboxPod(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }).catch(() => undefined);
  for (let i = 0; i < 120; i++) {
    const still = await core.readNamespacedPod({ namespace, name }).then(
      () => true,
      () => false,
    );
    if (!still) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
