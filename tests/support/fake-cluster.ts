import { ApiException, FetchError } from "@kubernetes/client-node";
import type { V1Deployment, V1EndpointSlice, V1Node, V1ObjectMeta, V1Pod, V1ReplicaSet, V1Service } from "@kubernetes/client-node";
import { checkSchema } from "@dockyard/contract/server";
import type { ClusterApi, ServiceAnswer } from "../../lab-runner/src/kubernetes/api";
import type { JudgeContext } from "../../lab-runner/src/checks/context";
import { judge } from "../../lab-runner/src/checks/judge";

// A lab's Kubernetes cluster in memory: the few API calls the Kubernetes judges make, answered with objects
// shaped like the API's (the client's model types, as a cluster fills them in) and its errors (ApiException
// for an HTTP status, node-fetch's FetchError for a server that does not answer). The unit tests of the
// Kubernetes check kinds run on it (cluster-objects.ts builds what it holds); the integration tests judge the
// same kinds against a real cluster.

export interface FakeCluster {
  pods: V1Pod[];
  deployments: V1Deployment[];
  replicaSets: V1ReplicaSet[];
  services: V1Service[];
  endpointSlices: V1EndpointSlice[];
  nodes: V1Node[];
  /** What the service proxy answers, by "namespace/service:port/path" ("timeout": the service never answers). */
  answers: Record<string, ServiceAnswer | "timeout">;
  /** The API server refuses connections. */
  down?: boolean;
}

export const emptyCluster = (): FakeCluster => ({ pods: [], deployments: [], replicaSets: [], services: [], endpointSlices: [], nodes: [], answers: {} });

const matches = (labels: Record<string, string> | undefined, selector?: string) =>
  !selector || selector.split(",").every((term) => labels?.[term.split("=")[0]!] === term.split("=")[1]);

export function fakeClusterApi(cluster: FakeCluster): ClusterApi {
  const answer = async <T>(value: () => T): Promise<T> => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.2:6443"), { code: "ECONNREFUSED" });
    if (cluster.down) throw new FetchError(`request to https://10.0.0.2:6443/api failed, reason: ${refused.message}`, "system", refused);
    return value();
  };
  const one = <T extends { metadata?: V1ObjectMeta }>(items: T[], kind: string, name: string, namespace?: string) =>
    answer(() => {
      const found = items.find((item) => item.metadata?.name === name && (namespace === undefined || item.metadata?.namespace === namespace));
      if (!found)
        throw new ApiException(
          404,
          "Unknown API Status Code!",
          JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message: `${kind} "${name}" not found`, reason: "NotFound", code: 404 }),
          {},
        );
      return found;
    });
  const list = <T extends { metadata?: V1ObjectMeta }>(items: T[], namespace?: string, labelSelector?: string) =>
    answer(() => ({
      apiVersion: "v1",
      kind: "List",
      metadata: { resourceVersion: "1" },
      items: items.filter((i) => (namespace === undefined || i.metadata?.namespace === namespace) && matches(i.metadata?.labels, labelSelector)),
    }));
  const core = {
    readNamespacedPod: ({ name, namespace }: { name: string; namespace: string }) => one(cluster.pods, "pods", name, namespace),
    listNamespacedPod: ({ namespace, labelSelector }: { namespace: string; labelSelector?: string }) => list(cluster.pods, namespace, labelSelector),
    readNamespacedService: ({ name, namespace }: { name: string; namespace: string }) => one(cluster.services, "services", name, namespace),
    readNode: ({ name }: { name: string }) => one(cluster.nodes, "nodes", name),
    listNode: () => list(cluster.nodes),
  };
  const apps = {
    readNamespacedDeployment: ({ name, namespace }: { name: string; namespace: string }) => one(cluster.deployments, "deployments.apps", name, namespace),
    readNamespacedReplicaSet: ({ name, namespace }: { name: string; namespace: string }) => one(cluster.replicaSets, "replicasets.apps", name, namespace),
    listNamespacedReplicaSet: ({ namespace }: { namespace: string }) => list(cluster.replicaSets, namespace),
  };
  const discovery = {
    listNamespacedEndpointSlice: ({ namespace, labelSelector }: { namespace: string; labelSelector?: string }) =>
      list(cluster.endpointSlices, namespace, labelSelector),
  };
  return {
    core: core as unknown as ClusterApi["core"],
    apps: apps as unknown as ClusterApi["apps"],
    discovery: discovery as unknown as ClusterApi["discovery"],
    serviceProxy: (namespace, service, port, path) =>
      answer(() => {
        const given = cluster.answers[`${namespace}/${service}:${port}${path}`];
        if (given === "timeout") throw Object.assign(new Error("no answer within 10 s"), { code: "ETIMEDOUT" });
        const noEndpoints = {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          message: `no endpoints available for service "${service}"`,
          reason: "ServiceUnavailable",
          code: 503,
        };
        return given ?? { status: 503, body: JSON.stringify(noEndpoints) };
      }),
  };
}

/** A lab's node as a judge sees it, with the cluster's API when the lab has one. */
export function clusterContext(cluster?: FakeCluster, api = cluster && fakeClusterApi(cluster)): JudgeContext {
  return {
    docker: {} as JudgeContext["docker"],
    exec: async () => ({ exitCode: 0, output: "" }),
    commands: async () => [],
    ...(api && { kubernetes: async () => api }),
  };
}

/** The verdict on one check, each criterion as "✓ message" or "✗ message". */
export async function said(yaml: Record<string, unknown>, cluster?: FakeCluster): Promise<string[]> {
  const { criteria } = await judge([checkSchema.parse(yaml)], clusterContext(cluster));
  return criteria.map((c) => `${c.passed ? "✓" : "✗"} ${c.message}`);
}
