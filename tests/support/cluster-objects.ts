import { randomUUID } from "node:crypto";
import type { V1Deployment, V1EndpointSlice, V1Node, V1ObjectMeta, V1Pod, V1ReplicaSet, V1Service } from "@kubernetes/client-node";

// Kubernetes objects as a cluster fills them in (the client's model types), for the fake cluster of
// fake-cluster.ts: pods of deployments, ReplicaSets per revision, services with their EndpointSlices, real
// and kwok nodes.

const meta = (name: string, labels?: Record<string, string>, extra: V1ObjectMeta = {}): V1ObjectMeta => ({
  name,
  namespace: "default",
  uid: randomUUID(),
  resourceVersion: "1042",
  creationTimestamp: new Date("2026-12-06T07:00:00Z"),
  ...(labels && { labels }),
  ...extra,
});

const condition = (type: string, ok: boolean, extra: { reason?: string; message?: string } = {}) => ({
  type,
  status: ok ? "True" : "False",
  lastTransitionTime: new Date("2026-12-06T07:00:05Z"),
  ...extra,
});

/** What the API server fills in: a fully qualified image in the status, the short one in the spec. */
const pulled = (image: string) => (image.includes("/") ? image : `docker.io/library/${image}`);

export interface PodShape {
  labels?: Record<string, string>;
  image?: string;
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  ready?: boolean;
  node?: string;
  /** The container's waiting reason (ImagePullBackOff, CrashLoopBackOff …). */
  waiting?: string;
  unschedulable?: string;
  deleting?: boolean;
}

export function pod(name: string, shape: PodShape = {}): V1Pod {
  const { image = "nginx:1.25", phase = "Running", ready = phase === "Running", node = "node1" } = shape;
  const container = name.replace(/-[a-z0-9]{5,10}(-[a-z0-9]{5})?$/, "");
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(name, shape.labels, shape.deleting ? { deletionTimestamp: new Date("2026-12-06T07:01:00Z"), deletionGracePeriodSeconds: 30 } : {}),
    spec: {
      containers: [{ name: container, image, imagePullPolicy: "IfNotPresent" }],
      ...(!shape.unschedulable && { nodeName: node }),
      restartPolicy: "Always",
    },
    status: {
      phase,
      conditions: shape.unschedulable
        ? [condition("PodScheduled", false, { reason: "Unschedulable", message: shape.unschedulable })]
        : [condition("PodScheduled", true), condition("Initialized", true), condition("ContainersReady", ready), condition("Ready", ready)],
      ...(!shape.unschedulable && {
        hostIP: "10.0.0.2",
        podIP: `10.244.0.${10 + (name.length % 200)}`,
        containerStatuses: [
          {
            name: container,
            image: pulled(image),
            imageID: "",
            ready,
            restartCount: 0,
            started: phase === "Running",
            state: shape.waiting ? { waiting: { reason: shape.waiting } } : phase === "Running" ? { running: { startedAt: new Date() } } : {},
          },
        ],
      }),
    },
  };
}

export interface DeploymentShape {
  replicas?: number;
  labels?: Record<string, string>;
  selector?: Record<string, string>;
  image?: string;
  /** status: replicas updated, ready and available (all of them unless given); old replicas still running. */
  updated?: number;
  ready?: number;
  available?: number;
  old?: number;
  /** The spec changed since the controller last looked. */
  unobserved?: boolean;
}

export function deployment(name: string, shape: DeploymentShape = {}): V1Deployment {
  const { replicas = 3, image = "nginx:1.25", selector = { app: name }, updated = replicas, ready = replicas, available = ready, old = 0 } = shape;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(name, shape.labels ?? { app: name }, { generation: 2, annotations: { "deployment.kubernetes.io/revision": "2" } }),
    spec: {
      replicas,
      selector: { matchLabels: selector },
      template: { metadata: { labels: selector }, spec: { containers: [{ name, image }] } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: shape.unobserved ? 1 : 2,
      replicas: updated + old,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      ...(available < replicas && { unavailableReplicas: replicas - available }),
      conditions: [condition("Available", available >= replicas - 1), condition("Progressing", true, { reason: "NewReplicaSetAvailable" })],
    },
  };
}

/** A ReplicaSet of a deployment (its revision numbered), as the deployment controller makes it. */
export function replicaSet(owner: V1Deployment, revision: number, image: string, replicas: number): V1ReplicaSet {
  const name = `${owner.metadata!.name}-${(0x5d4f7c6b + revision * 7919).toString(36).slice(0, 10)}`;
  const labels = { ...owner.spec!.selector.matchLabels, "pod-template-hash": name.split("-").pop()! };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: meta(name, labels, {
      annotations: { "deployment.kubernetes.io/desired-replicas": String(owner.spec!.replicas), "deployment.kubernetes.io/revision": String(revision) },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "Deployment", name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true },
      ],
    }),
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: owner.metadata!.name!, image }] } } },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas, fullyLabeledReplicas: replicas, observedGeneration: 1 },
  };
}

export function service(
  name: string,
  shape: { type?: string; selector?: Record<string, string> | null; ports?: { port: number; targetPort?: number | string }[] } = {},
): V1Service {
  const { type = "ClusterIP", selector = { app: name }, ports = [{ port: 80, targetPort: 80 }] } = shape;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(name),
    spec: {
      type,
      ...(selector && { selector }),
      clusterIP: "10.96.0.42",
      clusterIPs: ["10.96.0.42"],
      ports: ports.map((p) => ({ protocol: "TCP", port: p.port, targetPort: p.targetPort ?? p.port, ...(type === "NodePort" && { nodePort: 30080 }) })),
      sessionAffinity: "None",
    },
    status: { loadBalancer: {} },
  };
}

/** The EndpointSlice the cluster keeps for a service: one endpoint per pod, ready or not. */
export function endpointSlice(serviceName: string, endpoints: { ip: string; ready: boolean }[]): V1EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: meta(`${serviceName}-x7k2p`, {
      "kubernetes.io/service-name": serviceName,
      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }),
    addressType: "IPv4",
    endpoints: endpoints.map(({ ip, ready }) => ({ addresses: [ip], conditions: { ready, serving: ready, terminating: false }, nodeName: "node1" })),
    ports: [{ name: "", port: 80, protocol: "TCP" }],
  };
}

export function node(name: string, shape: { ready?: boolean; labels?: Record<string, string>; fake?: boolean } = {}): V1Node {
  const { ready = true, fake = false } = shape;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      ...meta(name, { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", ...(fake && { type: "kwok" }), ...shape.labels }),
      namespace: undefined,
      ...(fake && { annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" } }),
    },
    spec: { podCIDR: "10.244.0.0/24", ...(fake && { taints: [{ key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" }] }) },
    status: {
      conditions: [
        condition("MemoryPressure", false),
        ready
          ? condition("Ready", true, { reason: "KubeletReady", message: "kubelet is posting ready status" })
          : condition("Ready", false, { reason: "KubeletNotReady", message: "container runtime network not ready" }),
      ],
      nodeInfo: {
        kubeletVersion: fake ? "kwok-v0.8.0" : "v1.34.4",
        containerRuntimeVersion: "containerd://1.6.20",
        architecture: "amd64",
        operatingSystem: "linux",
        osImage: "Debian GNU/Linux 12",
        kernelVersion: "6.1.0",
        kubeProxyVersion: "",
        bootID: "",
        machineID: "",
        systemUUID: "",
      },
    },
  };
}
