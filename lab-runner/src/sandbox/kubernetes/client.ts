import fs from "node:fs";
import {
  ApiException,
  type Configuration,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  NetworkingV1Api,
  NodeV1Api,
  ServerConfiguration,
  VersionApi,
  Watch,
} from "@kubernetes/client-node";

// The Kubernetes driver's way into its cluster: the kubeconfig it loads, the API clients it uses (every request with
// a timeout, and counted, so the simulation can say how many calls a lab start costs), and how an API error reads.

/** How long one request may take before the API server counts as not answering. */
const TIMEOUT_MS = 15_000;
/** Where a pod finds its service account's token (the lab-runner running in the cluster). */
const IN_CLUSTER_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** The kubeconfig file if given (DOCKYARD_KUBECONFIG), else the pod's service account in a cluster, else client-node's default (~/.kube/config). */
export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else if (fs.existsSync(IN_CLUSTER_TOKEN)) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  networking: NetworkingV1Api;
  node: NodeV1Api;
  version: VersionApi;
  watch: Watch;
  /** API requests made so far (watches count once, when they start). */
  readonly calls: number;
  /** Counts a request made outside the clients above (a watch, an exec, a port-forward). */
  count(): void;
}

/**
 * The configuration of API clients for a kubeconfig's credentials at `server` (its current cluster's unless given):
 * every request with a timeout, and told to `onRequest`. Returns the server's URL beside it.
 */
export function apiConfiguration(
  kc: KubeConfig,
  { server: at, timeoutMs, onRequest }: { server?: string; timeoutMs: number; onRequest?: () => void },
): { server: string; config: Configuration } {
  const server = (at ?? kc.getCurrentCluster()?.server)?.replace(/\/+$/, "");
  if (!server) throw new Error("the kubeconfig names no current cluster");
  const config = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (request) => (onRequest?.(), request.setSignal(AbortSignal.timeout(timeoutMs)), request),
        post: async (response) => response,
      },
    ],
  });
  return { server, config };
}

export function kubeClients(kc: KubeConfig, { timeoutMs = TIMEOUT_MS }: { timeoutMs?: number } = {}): KubeClients {
  let calls = 0;
  const { config } = apiConfiguration(kc, { timeoutMs, onRequest: () => void calls++ });
  return {
    kc,
    core: new CoreV1Api(config),
    networking: new NetworkingV1Api(config),
    node: new NodeV1Api(config),
    version: new VersionApi(config),
    watch: new Watch(kc),
    get calls() {
      return calls;
    },
    count: () => void calls++,
  };
}

/** The HTTP status the API answered an ApiException with (undefined for anything else). */
export const apiStatus = (e: unknown): number | undefined => (e instanceof ApiException ? e.code : undefined);

/** What the API said in its Status body, else the error's own message. */
export function apiMessage(e: unknown): string {
  if (e instanceof ApiException) {
    const body = e.body as unknown;
    try {
      const status = (typeof body === "string" ? JSON.parse(body) : body) as { message?: string };
      if (status?.message) return status.message;
    } catch {
      // not a Status: the exception's own message says the code
    }
  }
  return (e as Error)?.message ?? String(e);
}

/**
 * Whether an error means the API server did not answer at all (refused, reset, unreachable, timed out), as
 * opposed to an answer the API gave (an ApiException with its HTTP status) or a misconfiguration such as a
 * certificate the server's address does not match.
 */
export function apiServerSilent(error: unknown): boolean {
  const e = error as { name?: string; code?: unknown; type?: string };
  if (e?.name === "AbortError" || e?.name === "TimeoutError") return true;
  return typeof e?.code === "string" && /^E[A-Z]+$/.test(e.code);
}

/** Runs a request; an answer of this HTTP status is undefined instead of an error. */
async function undefinedOn<T>(status: number, request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (e) {
    if (apiStatus(e) === status) return undefined;
    throw e;
  }
}

/** Runs a request; a 404 is undefined instead of an error. */
export const orNotFound = <T>(request: Promise<T>) => undefinedOn(404, request);

/** Runs a create; an AlreadyExists (409) is fine (another start made it: the caller reads what is there). */
export const createOrKeep = <T>(request: Promise<T>) => undefinedOn(409, request);
