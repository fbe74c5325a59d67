import https from "node:https";
import { AppsV1Api, CoreV1Api, DiscoveryV1Api, KubeConfig } from "@kubernetes/client-node";
import { apiConfiguration } from "../sandbox/kubernetes/client";

// The lab-runner's way into a lab's Kubernetes cluster: its API, with the credentials of the kubeconfig the
// cluster wrote. Checks read the cluster's state through it; none of it goes through the learner's shell.

/** How long one request to the API server may take before the server (or the service asked) counts as not answering. */
const TIMEOUT_MS = 10_000;
/** What is kept of a body a service answers with. */
const MAX_BODY_BYTES = 64 * 1024;

export interface ServiceAnswer {
  status: number;
  body: string;
}

export interface ClusterApi {
  core: CoreV1Api;
  apps: AppsV1Api;
  discovery: DiscoveryV1Api;
  /**
   * GET `path` from a service's port, asked from inside the cluster: through the API server's service proxy
   * (/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH), so the request travels the cluster's own network
   * to one of the service's endpoints. `port` is the service's port (number or name).
   */
  serviceProxy(namespace: string, service: string, port: number | string, path: string): Promise<ServiceAnswer>;
}

/**
 * The API of the cluster a kubeconfig (YAML) names as its current context; at `server` instead of the one it names
 * when given (a kubeconfig read from a learner's node must not choose where the lab-runner connects).
 */
export function clusterApiFromKubeconfig(yaml: string, { timeoutMs = TIMEOUT_MS, server: at }: { timeoutMs?: number; server?: string } = {}): ClusterApi {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  const { server, config } = apiConfiguration(kc, { server: at, timeoutMs });
  return {
    core: new CoreV1Api(config),
    apps: new AppsV1Api(config),
    discovery: new DiscoveryV1Api(config),
    async serviceProxy(namespace, service, port, path) {
      const url = `${server}/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(service)}:${port}/proxy${path}`;
      const options: https.RequestOptions = { timeout: timeoutMs };
      await kc.applyToHTTPSOptions(options);
      return get(url, options, timeoutMs);
    },
  };
}

function get(url: string, options: https.RequestOptions, timeoutMs: number): Promise<ServiceAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, options, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8") }));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" })));
    request.on("error", reject);
  });
}
