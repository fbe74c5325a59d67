import Dockerode from "dockerode";
import { DEFAULT_NODE, kubernetesSettings, MAX_NODES, nodeDiskBytes, nodeLimits, nodeNames, sandboxIdFor, type BootStage } from "@dockyard/contract/server";
import {
  DriverError,
  NO_LIMIT_HITS,
  type DiskUsage,
  type ExecResult,
  type LimitHits,
  type NodeEndpoint,
  type NodeLimits,
  type Sandbox,
  type SandboxDriver,
  type SandboxSpec,
} from "./driver";
import { OneAtATime } from "./one-at-a-time";
import { registryFromEnv, type LabRegistry } from "./registry";
import { apiMessage, apiServerSilent, kubeClients, loadKubeConfig, orNotFound, type KubeClients } from "./kubernetes/client";
import { execInPod } from "./kubernetes/exec";
import { PortForwards } from "./kubernetes/forward";
import { checkIsolation, type Isolation } from "./kubernetes/isolation";
import { getLab, listLabs, removeLab, startLab, suspendLab, type LabContext } from "./kubernetes/lifecycle";
import { nodePod, isReady, registryPodName, type PodSettings } from "./kubernetes/objects";
import { shellBridgeCommand } from "./kubernetes/shell";

// The Kubernetes driver: a lab is one pod per node on a cluster, with a headless Service (names, and the owner of the
// rest) and a NetworkPolicy; the cluster places, networks, stores and watches them (README "Scale out"). Its parts:
// kubernetes/client.ts (kubeconfig, API clients, the count of API calls), objects.ts (the objects of a lab, and
// reading one back), lifecycle.ts (start, list, suspend, remove), readiness.ts (waiting for pods, telling the
// cluster's refusals apart), isolation.ts (whether the cluster isolates pods), and the data path: exec.ts (commands),
// shell.ts (the terminal) and forward.ts (ports as unix sockets): the lab-runner never needs the pod network.
// What it cannot do yet: Kubernetes lessons (a cluster inside a lab) are refused; there is no warm pool.

/** The inner dockerd listens on the pod's loopback at this port (entry.sh's pod mode): innerDocker goes there through a port-forward. */
const INNER_DOCKER_PORT = 2375;

export interface KubernetesSandboxOptions {
  /** The API clients (a kubeconfig's); from kubernetesSettings().kubeconfig unless given. */
  clients?: KubeClients;
  /** Overrides of kubernetesSettings() and the node limits. */
  settings?: Partial<PodSettings>;
  bootTimeoutMs?: number;
}

export class KubernetesSandboxDriver implements SandboxDriver {
  readonly clients: KubeClients;
  private readonly context: LabContext;
  private readonly forwards: PortForwards;
  /** Per lab, the start, suspend or remove in progress: they run one at a time within this lab-runner. */
  private readonly oneAtATime = new OneAtATime();
  /** How the cluster isolates pods, once it said so (asked again after a refusal: an admin may have fixed it). */
  private isolation?: Isolation;

  constructor(options: KubernetesSandboxOptions = {}) {
    const configured = kubernetesSettings();
    this.clients = options.clients ?? kubeClients(loadKubeConfig(configured.kubeconfig));
    const limits = nodeLimits();
    const settings: PodSettings = {
      namespace: configured.namespace,
      image: configured.image,
      registryImage: "dockyard/registry:latest",
      runtimeClass: configured.runtimeClass,
      insecure: configured.insecure,
      storageClass: configured.storageClass,
      nodeSelector: configured.nodeSelector,
      tolerations: configured.tolerations,
      seccompProfile: configured.seccompProfile,
      // in a cluster, the ServiceAccount's namespace (loadFromCluster makes it the context's); else the manifests' own
      runnerNamespace: this.clients.kc.getContextObject(this.clients.kc.getCurrentContext())?.namespace ?? "dockyard",
      limits: {
        memoryBytes: limits.memoryBytes,
        containersMemoryBytes: limits.memoryBytes - limits.memoryReserveBytes,
        cpus: limits.cpus,
        processes: limits.pidsLimit,
        diskBytes: nodeDiskBytes(),
      },
      ...options.settings,
    };
    this.context = { clients: this.clients, settings, bootTimeoutMs: options.bootTimeoutMs ?? 180_000 };
    this.forwards = new PortForwards(this.clients.kc);
  }

  /** From the settings; processes: the cluster's podPidsLimit bounds them, not the pod spec (README "Scale out"). */
  get limits(): NodeLimits {
    return this.context.settings.limits;
  }

  private get namespace(): string {
    return this.context.settings.namespace;
  }

  /** Undefined: reading a pod's memory needs the metrics API, which a cluster need not have. */
  async memoryUsage(): Promise<number | undefined> {
    return undefined;
  }

  /** Zeros: the kubelet keeps no counters of OOM kills inside a pod or refused forks that the API shows. */
  async limitHits(): Promise<LimitHits> {
    return NO_LIMIT_HITS;
  }

  /** Undefined: the cluster's storage is its own to watch (eviction of suspended labs then goes by age alone). */
  async storageUsage(): Promise<DiskUsage | undefined> {
    return undefined;
  }

  engineAnswers(): Promise<boolean> {
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000).unref());
    return Promise.race([
      this.clients.version.getCode().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  }

  readonly kubernetesLessonsRefused = "Kubernetes lessons (a cluster inside the lab) need the Docker driver; this Dockyard runs labs on Kubernetes.";

  start(spec: SandboxSpec, onStage?: (stage: BootStage, detail?: string) => void): Promise<Sandbox> {
    if (spec.kubernetes) return Promise.reject(new DriverError("host_not_prepared", this.kubernetesLessonsRefused));
    return this.oneAtATime.run(sandboxIdFor(spec.learnerId, spec.lessonSlug), () =>
      guard(async () => {
        await this.isolated();
        return startLab(this.context, spec, onStage);
      }),
    );
  }

  list(): Promise<Sandbox[]> {
    return guard(() => listLabs(this.context));
  }

  get(id: string): Promise<Sandbox | undefined> {
    return guard(() => getLab(this.context, id));
  }

  remove(id: string): Promise<void> {
    return this.oneAtATime.run(id, () =>
      guard(async () => {
        this.closeForwards(id);
        await removeLab(this.context, id);
      }),
    );
  }

  suspend(id: string): Promise<void> {
    return this.oneAtATime.run(id, () =>
      guard(async () => {
        this.closeForwards(id);
        await suspendLab(this.context, id);
      }),
    );
  }

  exec(id: string, cmd: string[], opts: { timeoutMs?: number; stdin?: string; node?: string } = {}): Promise<ExecResult> {
    return guard(() => (this.clients.count(), execInPod(this.clients.kc, nodePod(this.namespace, id, opts.node ?? DEFAULT_NODE), cmd, opts)));
  }

  shellCommand(id: string, node?: string): { file: string; args: string[]; env: Record<string, string> } {
    return shellBridgeCommand(nodePod(this.namespace, id, node ?? DEFAULT_NODE));
  }

  innerDocker(id: string, node?: string): Dockerode {
    return new Dockerode({ socketPath: this.forwards.socketFor(nodePod(this.namespace, id, node ?? DEFAULT_NODE), INNER_DOCKER_PORT) });
  }

  endpoint(id: string, node: string | undefined, port: number): Promise<NodeEndpoint | undefined> {
    return guard(async () => {
      const pod = nodePod(this.namespace, id, node ?? DEFAULT_NODE);
      const found = await orNotFound(this.clients.core.readNamespacedPod({ name: pod.name, namespace: pod.namespace }));
      return found && isReady(found) ? { socketPath: this.forwards.socketFor(pod, port) } : undefined;
    });
  }

  /**
   * The registry's credentials from its pod; its url is the pod's address, which only a lab-runner inside the cluster
   * reaches (the lab's NetworkPolicy lets the lab-runner's pods in).
   */
  registry(id: string): Promise<LabRegistry | undefined> {
    return guard(async () => {
      const pod = await orNotFound(this.clients.core.readNamespacedPod({ name: registryPodName(id), namespace: this.namespace }));
      const ip = pod?.status?.podIP;
      if (!pod || !isReady(pod) || !ip) return undefined;
      return registryFromEnv(new Map((pod.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? ""])), ip);
    });
  }

  /** Throws host_not_prepared unless the cluster isolates pods (or insecure mode is on); remembered once it does. */
  private async isolated(): Promise<void> {
    this.isolation ??= await checkIsolation(this.clients, this.context.settings);
  }

  private closeForwards(id: string): void {
    for (const node of nodeNames(MAX_NODES)) this.forwards.close(nodePod(this.namespace, id, node).name, this.namespace);
  }
}

/** Every failure as a DriverError: the API server not answering is engine_down, any other answer engine_failed. */
async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof DriverError) throw e;
    throw new DriverError(apiServerSilent(e) ? "engine_down" : "engine_failed", `the Kubernetes API: ${apiMessage(e)}`, { cause: e });
  }
}
