import crypto from "node:crypto";
import type { V1NetworkPolicy, V1OwnerReference, V1PersistentVolumeClaim, V1Pod, V1Service, V1Toleration } from "@kubernetes/client-node";
import { nodeNames } from "@dockyard/contract/server";
import type { NodeLimits, Sandbox, SandboxSpec } from "../driver";
import { CAPS } from "../docker/node";
import { hostnameFor } from "../docker/naming";
import { INSIDE } from "../docker/paths";
import { REGISTRY_ALIAS, REGISTRY_PORT } from "../registry";
import type { PodRef } from "./exec";

// The Kubernetes objects of a lab, as pure builders, and how a lab is read back from them. A lab is a headless
// Service named after the sandbox id (it owns the rest: deleting it deletes the lab), one pod per node
// (`<id>-<node>`, hostname the node's name, subdomain the Service, so nodes find each other as node1, node2…), a
// NetworkPolicy, optionally a registry pod and, with a StorageClass, a PVC per node. Labels and annotations hold
// everything list() needs, so a restarted lab-runner (or another replica) adopts the lab from the API alone.

export const LABEL = {
  lab: "dockyard.io/lab",
  node: "dockyard.io/node",
  role: "dockyard.io/role",
  learnerHash: "dockyard.io/learner-hash",
  /** Carried by the lab-runner's own pods: the only pods outside a lab its NetworkPolicy lets in. */
  component: "dockyard.io/component",
} as const;

export const ANNOTATION = {
  learner: "dockyard.io/learner",
  lesson: "dockyard.io/lesson",
  images: "dockyard.io/images",
  createdAt: "dockyard.io/created-at",
  /** JSON { nodes, registry }: the lab's shape, to tell whether a start() asks for the lab that is there. */
  shape: "dockyard.io/shape",
  suspendedAt: "dockyard.io/suspended-at",
} as const;

/** The sandbox image's container in a node's pod, and the registry's in the registry pod. */
export const NODE_CONTAINER = "node";
const REGISTRY_CONTAINER = "registry";

/** What the driver's settings decide about every pod (kubernetesSettings() and the node limits). */
export interface PodSettings {
  namespace: string;
  image: string;
  registryImage: string;
  limits: NodeLimits;
  /** An isolating RuntimeClass; unset, each pod runs in a user namespace of its own (hostUsers: false) unless insecure. */
  runtimeClass?: string;
  /** The cluster offers neither isolation and the admin allowed running without: pods share their node's user namespace. */
  insecure: boolean;
  storageClass?: string;
  nodeSelector: Record<string, string>;
  tolerations: V1Toleration[];
  /** The nodes' seccomp profile for the sandbox (localhostProfile). */
  seccompProfile: string;
  /** The namespace of the lab-runner's own pods, the only pods outside a lab its NetworkPolicy lets in. */
  runnerNamespace: string;
}

/** The lab a spec asks for: its nodes and whether it has a registry. */
export interface LabShape {
  nodes: string[];
  registry: boolean;
}

export const shapeOf = (spec: SandboxSpec): LabShape => ({ nodes: nodeNames(spec.nodes ?? 1), registry: spec.registry ?? false });
export const sameShape = (a: LabShape, b: LabShape) => a.registry === b.registry && a.nodes.join() === b.nodes.join();

export const podName = (id: string, node: string) => `${id}-${node}`;
export const registryPodName = (id: string) => `${id}-${REGISTRY_ALIAS}`;
const diskClaimName = (id: string, node: string) => `${id}-${node}-disk`;
export const nodePod = (namespace: string, id: string, node: string): PodRef => ({ namespace, name: podName(id, node), container: NODE_CONTAINER });

/** The label selector of everything of one lab, or (without an id) of every lab. */
export const labSelector = (id?: string) => (id ? `${LABEL.lab}=${id}` : LABEL.lab);

/** A short hash of the learner: a label (labels cannot hold every id), to find a learner's labs without reading annotations. */
const learnerHash = (learnerId: string) => crypto.createHash("sha256").update(learnerId).digest("hex").slice(0, 16);

const labLabels = (id: string, spec: SandboxSpec) => ({ [LABEL.lab]: id, [LABEL.learnerHash]: learnerHash(spec.learnerId) });

/** The headless Service: nodes' DNS names, and the owner of everything else of the lab. */
export function labService(id: string, spec: SandboxSpec, createdAt: Date): V1Service {
  return {
    metadata: {
      name: id,
      labels: labLabels(id, spec),
      annotations: {
        [ANNOTATION.learner]: spec.learnerId,
        [ANNOTATION.lesson]: spec.lessonSlug,
        [ANNOTATION.images]: JSON.stringify(spec.images),
        [ANNOTATION.createdAt]: createdAt.toISOString(),
        [ANNOTATION.shape]: JSON.stringify(shapeOf(spec)),
      },
    },
    // publishNotReadyAddresses: nodes find each other while they boot (an inner dockerd waits for nobody, but the learner may)
    spec: { clusterIP: "None", selector: { [LABEL.lab]: id }, publishNotReadyAddresses: true, ports: [{ name: "none", port: 1 }] },
  };
}

/** What makes an object part of the lab: deleting the Service deletes it (the garbage collector follows this). */
export const ownedBy = (service: V1Service): V1OwnerReference => ({
  apiVersion: "v1",
  kind: "Service",
  name: service.metadata!.name!,
  uid: service.metadata!.uid!,
  blockOwnerDeletion: true,
});

/** Ingress only from the lab's own pods and the lab-runner; egress only to the lab's own pods and cluster DNS. */
export function labNetworkPolicy(id: string, owner: V1OwnerReference, runnerNamespace: string): V1NetworkPolicy {
  const ownPods = { podSelector: { matchLabels: { [LABEL.lab]: id } } };
  const labRunner = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": runnerNamespace } },
    podSelector: { matchLabels: { [LABEL.component]: "lab-runner" } },
  };
  const dns = { namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } };
  return {
    metadata: { name: id, labels: { [LABEL.lab]: id }, ownerReferences: [owner] },
    spec: {
      podSelector: { matchLabels: { [LABEL.lab]: id } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ _from: [ownPods, labRunner] }],
      egress: [
        { to: [ownPods] },
        {
          to: [dns],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    },
  };
}

/** Where placement and isolation settings go, alike for every pod of a lab. */
function placement(id: string, settings: PodSettings, owner: V1OwnerReference) {
  return {
    subdomain: id,
    nodeSelector: Object.keys(settings.nodeSelector).length ? settings.nodeSelector : undefined,
    tolerations: settings.tolerations.length ? settings.tolerations : undefined,
    runtimeClassName: settings.runtimeClass,
    // a user namespace of the pod's own, unless an isolating runtime gives one or the admin allowed running without
    hostUsers: settings.runtimeClass || settings.insecure ? undefined : false,
    restartPolicy: "Never", // a node that stopped is a lab to boot afresh, as on Docker; the kubelet must not restart it half-way
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    dnsConfig: { searches: [`${id}.${settings.namespace}.svc.cluster.local`] },
    owner,
  };
}

/** One node of the lab: the sandbox image with an inner dockerd, Ready once /run/dockyard-ready exists. */
export function labNodePod(id: string, node: string, spec: SandboxSpec, settings: PodSettings, owner: V1OwnerReference): V1Pod {
  const { owner: ownerRef, ...podPlacement } = placement(id, settings, owner);
  const { limits } = settings;
  const resources = { memory: String(limits.memoryBytes), cpu: String(limits.cpus) };
  const disk = settings.storageClass
    ? { name: "disk", persistentVolumeClaim: { claimName: diskClaimName(id, node) } }
    : { name: "disk", emptyDir: { sizeLimit: String(limits.diskBytes) } };
  return {
    metadata: {
      name: podName(id, node),
      labels: { ...labLabels(id, spec), [LABEL.node]: node, [LABEL.role]: "node" },
      ownerReferences: [ownerRef],
    },
    spec: {
      ...podPlacement,
      hostname: (spec.nodes ?? 1) > 1 ? node : hostnameFor(spec.lessonSlug),
      containers: [
        {
          name: NODE_CONTAINER,
          image: settings.image,
          imagePullPolicy: "IfNotPresent",
          // docker-init as PID 1 reaps the orphans of exec'd shells (the Docker driver's Init: true)
          command: ["/usr/bin/docker-init", "--", "/usr/local/sbin/dockyard-entry"],
          env: [
            { name: "DOCKYARD_POD", value: "1" }, // entry.sh's pod mode: no host side to wait for
            { name: "DOCKYARD_NODE", value: node },
            { name: "DOCKYARD_IMAGES", value: spec.images.join(" ") },
          ],
          // pids: the kubelet's podPidsLimit bounds a pod's processes (a node setting; README "Scale out")
          resources: { requests: resources, limits: resources },
          readinessProbe: { exec: { command: ["test", "-e", "/run/dockyard-ready"] }, periodSeconds: 1, failureThreshold: 1 },
          securityContext: {
            privileged: false,
            allowPrivilegeEscalation: true, // sudo-free root, but the inner dockerd's containers may setuid
            capabilities: { drop: ["ALL"], add: CAPS },
            seccompProfile: { type: "Localhost", localhostProfile: settings.seccompProfile },
            // nested container runtimes need an unmasked /proc (KEP-4265), safe only inside a user namespace
            procMount: settings.runtimeClass || settings.insecure ? undefined : "Unmasked",
          },
          volumeMounts: [{ name: "disk", mountPath: INSIDE.disk }],
        },
      ],
      volumes: [disk],
    },
  };
}

/** A node's disk when the cluster has a StorageClass for it: kept while the lab is suspended. */
export function labDiskClaim(id: string, node: string, settings: PodSettings, owner: V1OwnerReference): V1PersistentVolumeClaim {
  return {
    metadata: { name: diskClaimName(id, node), labels: { [LABEL.lab]: id, [LABEL.node]: node }, ownerReferences: [owner] },
    spec: {
      storageClassName: settings.storageClass,
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: String(settings.limits.diskBytes) } },
    },
  };
}

/** The lab's registry (registry:5000 to its nodes); the learner's credentials are in its environment (newRegistryEnv), as on Docker. */
export function labRegistryPod(id: string, spec: SandboxSpec, settings: PodSettings, owner: V1OwnerReference, env: Record<string, string>): V1Pod {
  const { owner: ownerRef, ...podPlacement } = placement(id, settings, owner);
  const resources = { memory: String(256 * 1024 ** 2), cpu: "500m" };
  return {
    metadata: { name: registryPodName(id), labels: { ...labLabels(id, spec), [LABEL.role]: "registry" }, ownerReferences: [ownerRef] },
    spec: {
      ...podPlacement,
      hostname: REGISTRY_ALIAS,
      containers: [
        {
          name: REGISTRY_CONTAINER,
          image: settings.registryImage,
          imagePullPolicy: "IfNotPresent",
          env: Object.entries(env).map(([name, value]) => ({ name, value })),
          ports: [{ containerPort: REGISTRY_PORT }],
          resources: { requests: resources, limits: resources },
          readinessProbe: { tcpSocket: { port: REGISTRY_PORT }, periodSeconds: 1 },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
        },
      ],
    },
  };
}

/** Whether a pod's, or a cluster node's, Ready condition is True. */
export const isReady = (object: { status?: { conditions?: { type: string; status: string }[] } }) =>
  object.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/**
 * The lab as its Service and pods say (after a restart too). `lost` is set when a node's pod is gone or failed while
 * the lab is not suspended, or its cluster node is not Ready (`readyNodes`: the names of Ready cluster nodes, if known).
 */
export function sandboxOf(service: V1Service, pods: V1Pod[], readyNodes?: Set<string>): Sandbox {
  const a = service.metadata?.annotations ?? {};
  const shape = JSON.parse(a[ANNOTATION.shape] ?? "{}") as Partial<LabShape>;
  const nodes = shape.nodes ?? [];
  const suspended = a[ANNOTATION.suspendedAt];
  const suspendedAt = suspended ? new Date(suspended) : undefined;
  const nodePods = nodes.map((node) => pods.find((p) => p.metadata?.labels?.[LABEL.node] === node && !p.metadata?.deletionTimestamp));
  const sandbox: Sandbox = {
    id: service.metadata!.name!,
    learnerId: a[ANNOTATION.learner] ?? "",
    lessonSlug: a[ANNOTATION.lesson] ?? "",
    createdAt: new Date(a[ANNOTATION.createdAt] ?? service.metadata?.creationTimestamp ?? 0),
    running: !suspendedAt && nodes.length > 0 && nodePods.every((p) => p && isReady(p)),
    nodes,
    ...(suspendedAt && { suspendedAt }),
  };
  const lost = suspendedAt ? undefined : lostReason(nodes, nodePods, readyNodes);
  return lost ? { ...sandbox, lost } : sandbox;
}

function lostReason(nodes: string[], pods: (V1Pod | undefined)[], readyNodes?: Set<string>): string | undefined {
  for (const [i, pod] of pods.entries()) {
    const node = nodes[i]!;
    if (!pod) return `${node} is gone`;
    if (pod.status?.reason === "Evicted") return `${node} was evicted from its machine: ${pod.status.message ?? "no reason given"}`;
    if (pod.status?.phase === "Failed") return `${node} stopped (${pod.status.reason ?? "failed"})`;
    const host = pod.spec?.nodeName;
    if (host && readyNodes && !readyNodes.has(host)) return `the machine ${node} ran on (${host}) stopped answering`;
  }
  return undefined;
}
