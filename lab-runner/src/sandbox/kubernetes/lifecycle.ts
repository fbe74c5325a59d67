import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { sandboxIdFor, type BootStage } from "@dockyard/contract/server";
import { DriverError, type Sandbox, type SandboxSpec } from "../driver";
import { newRegistryEnv } from "../registry";
import { apiMessage, createOrKeep, orNotFound, type KubeClients } from "./client";
import {
  ANNOTATION,
  LABEL,
  labDiskClaim,
  labNetworkPolicy,
  labNodePod,
  labRegistryPod,
  labSelector,
  labService,
  ownedBy,
  podName,
  isReady,
  registryPodName,
  sameShape,
  sandboxOf,
  shapeOf,
  type LabShape,
  type PodSettings,
} from "./objects";
import { createRefusal, podRefusal, waitForPods } from "./readiness";

// A lab's life on the cluster: start (or resume, or adopt one another start is making), list and get from the API
// alone, suspend (its pods deleted, its Service and disks kept, marked suspended on the Service) and remove (the
// Service deleted, the garbage collector deleting what it owns; we wait until the pods are gone). Every create
// tolerates AlreadyExists, so two lab-runners starting one lab make one lab and both wait for it.

export interface LabContext {
  clients: KubeClients;
  settings: PodSettings;
  bootTimeoutMs: number;
}

type OnStage = (stage: BootStage, detail?: string) => void;

interface Found {
  service: V1Service;
  pods: V1Pod[];
}

async function find(ctx: LabContext, id: string): Promise<Found | undefined> {
  const { core } = ctx.clients;
  const namespace = ctx.settings.namespace;
  const service = await orNotFound(core.readNamespacedService({ name: id, namespace }));
  if (!service) return undefined;
  const pods = await core.listNamespacedPod({ namespace, labelSelector: labSelector(id) });
  return { service, pods: pods.items };
}

const shapeIn = (service: V1Service) => JSON.parse(service.metadata?.annotations?.[ANNOTATION.shape] ?? "{}") as LabShape;
const podNames = (id: string, shape: LabShape) => [...shape.nodes.map((node) => podName(id, node)), ...(shape.registry ? [registryPodName(id)] : [])];

/** Every lab in the namespace: three requests however many labs there are (Services, pods, cluster nodes). */
export async function listLabs(ctx: LabContext): Promise<Sandbox[]> {
  const { core } = ctx.clients;
  const namespace = ctx.settings.namespace;
  const [services, pods, readyNodes] = await Promise.all([
    core.listNamespacedService({ namespace, labelSelector: labSelector() }),
    core.listNamespacedPod({ namespace, labelSelector: labSelector() }),
    readyNodeNames(ctx),
  ]);
  return services.items
    .filter((s) => !s.metadata?.deletionTimestamp)
    .map((s) =>
      sandboxOf(
        s,
        pods.items.filter((p) => p.metadata?.labels?.[LABEL.lab] === s.metadata?.name),
        readyNodes,
      ),
    );
}

export async function getLab(ctx: LabContext, id: string): Promise<Sandbox | undefined> {
  const [found, readyNodes] = await Promise.all([find(ctx, id), readyNodeNames(ctx)]);
  return found && !found.service.metadata?.deletionTimestamp ? sandboxOf(found.service, found.pods, readyNodes) : undefined;
}

/** The cluster nodes that are Ready now (a lab on another one is lost). */
async function readyNodeNames(ctx: LabContext): Promise<Set<string>> {
  const { items } = await ctx.clients.core.listNode();
  return new Set(items.filter(isReady).map((n) => n.metadata!.name!));
}

export async function startLab(ctx: LabContext, spec: SandboxSpec, onStage: OnStage = () => {}): Promise<Sandbox> {
  const id = sandboxIdFor(spec.learnerId, spec.lessonSlug);
  const shape = shapeOf(spec);
  const found = await find(ctx, id);
  if (found?.service.metadata?.deletionTimestamp)
    await removeLab(ctx, id); // being removed: wait, then boot afresh
  else if (found && !sameShape(shapeIn(found.service), shape)) await removeLab(ctx, id);
  else if (found) {
    const suspended = found.service.metadata?.annotations?.[ANNOTATION.suspendedAt];
    if (suspended) return resume(ctx, spec, found.service, new Date(suspended), onStage);
    const wanted = podNames(id, shape);
    const pods = wanted.map((name) => found.pods.find((p) => p.metadata?.name === name));
    // a pod that can never run (failed, going, or on a machine that is not Ready, its status stale): the lab was lost,
    // and boots afresh where the scheduler finds room
    const readyNodes = await readyNodeNames(ctx);
    const dead = (p: V1Pod) => p.metadata?.deletionTimestamp || podRefusal(p) || (p.spec?.nodeName && !readyNodes.has(p.spec.nodeName));
    if (pods.some((p) => p && dead(p))) await removeLab(ctx, id);
    else if (pods.every((p) => p && isReady(p))) {
      onStage("ready");
      return sandboxOf(found.service, found.pods, readyNodes);
    }
    // else half made, or another start makes it now: make what is missing and wait with it
  }
  try {
    onStage("network", "the lab's Service and NetworkPolicy");
    const service = await makeService(ctx, id, spec);
    await makePods(ctx, id, spec, service, onStage);
    return await mustGet(ctx, id);
  } catch (e) {
    await removeLab(ctx, id).catch(() => {});
    throw e;
  }
}

async function makeService(ctx: LabContext, id: string, spec: SandboxSpec): Promise<V1Service> {
  const { core, networking } = ctx.clients;
  const namespace = ctx.settings.namespace;
  const created = await createOrKeep(core.createNamespacedService({ namespace, body: labService(id, spec, new Date()) })).catch((e) => {
    throw createRefusal(e, "the lab's Service");
  });
  const service = created ?? (await core.readNamespacedService({ name: id, namespace }));
  await createOrKeep(networking.createNamespacedNetworkPolicy({ namespace, body: labNetworkPolicy(id, ownedBy(service), ctx.settings.runnerNamespace) })).catch(
    (e) => {
      throw createRefusal(e, "the lab's NetworkPolicy");
    },
  );
  return service;
}

/** Creates what is missing of the lab's pods (and disks, and registry), then waits for them, telling the stages. */
async function makePods(ctx: LabContext, id: string, spec: SandboxSpec, service: V1Service, onStage: OnStage): Promise<void> {
  const { core } = ctx.clients;
  const { settings } = ctx;
  const namespace = settings.namespace;
  const owner = ownedBy(service);
  const shape = shapeOf(spec);
  const create = async (what: string, request: () => Promise<unknown>) => {
    await createOrKeep(request()).catch((e) => {
      throw createRefusal(e, what);
    });
  };
  onStage("container", `${shape.nodes.length} pod${shape.nodes.length > 1 ? "s" : ""}${shape.registry ? " and a registry" : ""}`);
  for (const node of shape.nodes) {
    if (settings.storageClass)
      await create(`${node}'s disk`, () => core.createNamespacedPersistentVolumeClaim({ namespace, body: labDiskClaim(id, node, settings, owner) }));
    await create(`${node}'s pod`, () => core.createNamespacedPod({ namespace, body: labNodePod(id, node, spec, settings, owner) }));
  }
  if (shape.registry) {
    const env = newRegistryEnv();
    await create("the lab's registry", () => core.createNamespacedPod({ namespace, body: labRegistryPod(id, spec, settings, owner, env) }));
  }
  // the stages after "container", each once and in order, as the pods get placed, run and become Ready
  const later: [BootStage, string | undefined][] = [
    ["delegate", "placed on the cluster's machines"],
    ["engine", undefined],
    ["images", spec.images.join(", ") || undefined],
  ];
  let told = 0;
  const tellUpTo = (count: number) => {
    for (; told < count; told++) onStage(...later[told]!);
  };
  await waitForPods(ctx.clients, namespace, id, podNames(id, shape), ctx.bootTimeoutMs, (progress) =>
    tellUpTo(progress.running ? 3 : progress.scheduled ? 1 : 0),
  );
  tellUpTo(later.length);
  onStage("ready");
}

async function mustGet(ctx: LabContext, id: string): Promise<Sandbox> {
  const sandbox = await getLab(ctx, id);
  if (!sandbox) throw new DriverError("not_running", "the lab was removed while it started");
  return sandbox;
}

/** Recreates the pods of a suspended lab; if they do not come up, they are deleted again and the lab stays suspended. */
async function resume(ctx: LabContext, spec: SandboxSpec, service: V1Service, suspendedAt: Date, onStage: OnStage): Promise<Sandbox> {
  const id = service.metadata!.name!;
  try {
    onStage("network", "the lab's Service is kept");
    await makePods(ctx, id, spec, service, onStage);
    await annotate(ctx, id, undefined);
  } catch (e) {
    await deletePods(ctx, id).catch(() => {});
    throw e;
  }
  return { ...(await mustGet(ctx, id)), resumedFrom: suspendedAt };
}

/** Sets (or clears) the Service's suspended-at annotation: read, then replace, so a concurrent change is refused rather than lost. */
async function annotate(ctx: LabContext, id: string, suspendedAt: Date | undefined): Promise<void> {
  const { core } = ctx.clients;
  const namespace = ctx.settings.namespace;
  const service = await core.readNamespacedService({ name: id, namespace });
  const annotations = { ...service.metadata?.annotations };
  if (suspendedAt) annotations[ANNOTATION.suspendedAt] = suspendedAt.toISOString();
  else delete annotations[ANNOTATION.suspendedAt];
  await core.replaceNamespacedService({ name: id, namespace, body: { ...service, metadata: { ...service.metadata, annotations } } });
}

async function deletePods(ctx: LabContext, id: string): Promise<void> {
  const namespace = ctx.settings.namespace;
  await ctx.clients.core.deleteCollectionNamespacedPod({ namespace, labelSelector: labSelector(id), gracePeriodSeconds: 5 });
  await podsGone(ctx, id);
}

/**
 * Waits until no pod of the lab is left (deleting one takes its grace period, and the kubelet's word). A pod on a
 * machine that is not Ready would wait for a kubelet that does not answer: it is deleted at once (forced) instead.
 */
async function podsGone(ctx: LabContext, id: string, timeoutMs = 120_000): Promise<void> {
  const { core } = ctx.clients;
  const namespace = ctx.settings.namespace;
  const deadline = Date.now() + timeoutMs;
  const forceAfter = Date.now() + 10_000;
  let forced = false;
  for (;;) {
    const { items } = await core.listNamespacedPod({ namespace, labelSelector: labSelector(id) });
    if (items.length === 0) return;
    if (Date.now() > deadline)
      throw new DriverError("engine_failed", `${items.map((p) => p.metadata?.name).join(", ")} still there ${timeoutMs / 1000} s after deletion`);
    if (!forced && Date.now() > forceAfter) {
      forced = true;
      const readyNodes = await readyNodeNames(ctx);
      for (const pod of items.filter((p) => p.spec?.nodeName && !readyNodes.has(p.spec.nodeName)))
        await orNotFound(core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace, gracePeriodSeconds: 0 }));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function suspendLab(ctx: LabContext, id: string): Promise<void> {
  const found = await find(ctx, id);
  if (!found || found.service.metadata?.deletionTimestamp) throw new DriverError("not_running", `there is no lab ${id}`);
  if (found.service.metadata?.annotations?.[ANNOTATION.suspendedAt]) return;
  await annotate(ctx, id, new Date());
  await deletePods(ctx, id);
}

/** Deletes the Service in the foreground (what it owns goes first), and everything of the lab with it; idempotent. */
export async function removeLab(ctx: LabContext, id: string): Promise<void> {
  const { core } = ctx.clients;
  const namespace = ctx.settings.namespace;
  try {
    await orNotFound(core.deleteNamespacedService({ name: id, namespace, propagationPolicy: "Foreground" }));
    await deletePods(ctx, id); // now, rather than when the garbage collector comes to them
    // the Service goes once the garbage collector has deleted what it owns (its PVCs, its NetworkPolicy)
    const deadline = Date.now() + 120_000;
    while (await orNotFound(core.readNamespacedService({ name: id, namespace }))) {
      if (Date.now() > deadline) throw new DriverError("engine_failed", `lab ${id}'s Service is still there 120 s after its deletion`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } catch (e) {
    if (e instanceof DriverError) throw e;
    throw new DriverError("engine_failed", `removing lab ${id} failed: ${apiMessage(e)}`, { cause: e });
  }
}
