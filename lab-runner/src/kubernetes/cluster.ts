import type { BootStage } from "@dockyard/contract";
import type { KubernetesLab } from "@dockyard/contract/server";
import type { Sandbox, SandboxDriver } from "../sandbox/driver";
import { type ClusterApi, clusterApiFromKubeconfig } from "./api";

// A lab's Kubernetes cluster, booted on its running nodes step by step through the sandbox image's
// dockyard-cluster script (lab-runner/sandbox-image/kubernetes/), which does the work inside each node: the control
// plane on node1, a kubelet on every node, each node's pods on a subnet of their own with routes to the others'.
// Every step is idempotent, so a resumed lab (its processes died with its nodes) boots the same way.

export const CLUSTER_SCRIPT = "/usr/local/sbin/dockyard-cluster";
/** Where node1 keeps the cluster-admin kubeconfig (the learner's ~/.kube/config is a copy they may change). */
export const ADMIN_KUBECONFIG = "/etc/kubernetes/admin.kubeconfig";

/** Node i's pods (node1 is 0): 10.244.(i+1).0/24, inside the cluster CIDR the script gives kube-proxy. */
export const podCidr = (index: number) => `10.244.${index + 1}.0/24`;

type Driver = Pick<SandboxDriver, "exec" | "endpoint">;

/** The API server's port on node1. */
const API_PORT = 6443;

/**
 * A node's address on its lab network, which the other nodes and the lab-runner reach. Only a driver whose endpoints
 * are addresses (Docker) has one; a Kubernetes driver refuses Kubernetes lessons before their cluster would boot.
 */
async function nodeAddress(driver: Driver, id: string, node: string): Promise<string | undefined> {
  const endpoint = await driver.endpoint(id, node, API_PORT);
  if (endpoint && !("host" in endpoint)) throw new Error("a Kubernetes lesson's cluster needs nodes with addresses of their own (the Docker driver)");
  return endpoint?.host;
}

export async function bootCluster(
  driver: Driver,
  id: string,
  nodes: string[],
  lab: KubernetesLab,
  onStage: (stage: BootStage, detail?: string) => void,
): Promise<void> {
  const addresses = await Promise.all(nodes.map((node) => nodeAddress(driver, id, node)));
  const missing = nodes.find((_, i) => !addresses[i]);
  if (missing) throw new Error(`${missing} has no address on the lab network`);
  const control = nodes[0]!;
  const controlAddress = addresses[0]!;
  const step = async (node: string, detail: string, args: string[], timeoutMs: number, stdin?: string) => {
    onStage("cluster", detail);
    const result = await driver.exec(id, [CLUSTER_SCRIPT, ...args], { node, timeoutMs, stdin });
    if (result.exitCode !== 0) throw new Error(`Kubernetes did not start (${detail}): ${lastLines(result.output)}`);
    return result.output;
  };

  await step(control, "making the cluster's certificates", ["pki", controlAddress, ...nodes], 60_000);
  await step(control, "starting the API server", ["control-plane", controlAddress], 180_000);
  for (const [i, node] of nodes.entries()) {
    if (i > 0) await step(node, `${node} joining`, ["unbundle"], 30_000, await step(control, `${node} joining`, ["bundle", node], 30_000));
    const routes = nodes.flatMap((_, j) => (j === i ? [] : [`${podCidr(j)}=${addresses[j]}`]));
    await step(node, i === 0 ? `starting ${node}'s kubelet` : `${node} joining`, ["node", node, addresses[i]!, podCidr(i), ...routes], 120_000);
  }
  await step(control, lab.fakeNodes ? `cluster DNS and ${lab.fakeNodes} fake nodes` : "cluster DNS", ["addons", controlAddress, String(lab.fakeNodes)], 60_000);
  await step(control, `waiting for ${nodes.length + lab.fakeNodes} nodes to be Ready`, ["ready", String(nodes.length + lab.fakeNodes)], 180_000);
}

/**
 * Boots the cluster of a lab that just started or resumed. If it cannot, the lab is suspended, keeping everything the
 * learner made, so that opening it again resumes it and tries again (a running lab is never booted again).
 */
export async function startCluster(
  driver: Driver & Pick<SandboxDriver, "suspend">,
  sandbox: Sandbox,
  lab: KubernetesLab,
  onStage: (stage: BootStage, detail?: string) => void,
): Promise<void> {
  try {
    await bootCluster(driver, sandbox.id, sandbox.nodes, lab, onStage);
  } catch (e) {
    await driver.suspend(sandbox.id).catch(() => {});
    throw e;
  }
}

/**
 * The API of a running lab's cluster, for checks: the credentials the cluster made (node1's admin kubeconfig), at the
 * address the driver knows for node1. The learner is root on node1 and could rewrite that file, but not where it leads.
 */
export async function labClusterApi(driver: Driver, id: string): Promise<ClusterApi> {
  const address = await nodeAddress(driver, id, "node1");
  if (!address) throw new Error("this lab is not running");
  const result = await driver.exec(id, ["cat", ADMIN_KUBECONFIG], { timeoutMs: 10_000 });
  if (result.exitCode !== 0) throw new Error("this lab's cluster has no credentials yet (is it still starting?)");
  return clusterApiFromKubeconfig(result.output, { server: `https://${address}:${API_PORT}` });
}

const lastLines = (output: string) => output.trim().split("\n").slice(-4).join(" ");
