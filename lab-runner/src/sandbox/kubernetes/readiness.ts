import type { V1Pod } from "@kubernetes/client-node";
import { DriverError } from "../driver";
import { apiMessage, apiStatus, type KubeClients } from "./client";
import { labSelector, isReady } from "./objects";

// Waiting for a lab's pods through a watch (not polling: one list, then the API tells each change), and telling apart
// what the cluster refused: no node fits or a quota is full (capacity: the learner is told Dockyard is full), an image
// it cannot pull (image_missing), a pod that failed (boot_failed), or none of it in time (boot_timeout).

/** What the pods of a boot came to so far: all Ready, refused, or not yet (undefined). */
type Verdict = "ready" | DriverError | undefined;

/** Why the cluster will not run a pod, or undefined while it may still. */
export function podRefusal(pod: V1Pod): DriverError | undefined {
  const name = pod.metadata?.name ?? "a pod";
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable")
    return new DriverError("capacity", `The cluster has no room for ${name}: ${scheduled.message ?? "no node fits it"}`);
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting && ["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName"].includes(waiting.reason ?? ""))
      return new DriverError(
        "image_missing",
        `The cluster cannot get the image ${status.image} for ${name} (${waiting.reason}): ${waiting.message ?? ""}`.trim(),
      );
    const terminated = status.state?.terminated;
    if (terminated) return new DriverError("boot_failed", `${name} stopped while booting (${terminated.reason ?? `exit ${terminated.exitCode}`})`);
  }
  if (pod.status?.phase === "Failed") return new DriverError("boot_failed", `${name} failed: ${pod.status.reason ?? ""} ${pod.status.message ?? ""}`.trim());
  return undefined;
}

/** An error of a create: a 403 for an exceeded ResourceQuota is capacity; anything else is the API's own error. */
export function createRefusal(e: unknown, what: string): DriverError {
  const message = apiMessage(e);
  if (apiStatus(e) === 403 && /exceeded quota/i.test(message))
    return new DriverError("capacity", `The cluster's quota leaves no room for ${what}: ${message}`, { cause: e });
  return new DriverError("engine_failed", `The cluster refused ${what}: ${message}`, { cause: e });
}

/** How far a set of pods got: every one placed, every one's containers running, every one Ready. */
export interface PodProgress {
  scheduled: boolean;
  running: boolean;
  ready: boolean;
}

export function progressOf(pods: V1Pod[]): PodProgress {
  return {
    scheduled: pods.every((p) => p.spec?.nodeName),
    running: pods.every((p) => p.status?.containerStatuses?.every((s) => s.state?.running) ?? false),
    ready: pods.every(isReady),
  };
}

/**
 * Resolves once every pod named is Ready; `onProgress` hears each change of how far they got. Rejects with the first
 * refusal (podRefusal), when a pod is deleted meanwhile (not_running), or with boot_timeout after `timeoutMs`.
 */
export async function waitForPods(
  clients: KubeClients,
  namespace: string,
  id: string,
  names: string[],
  timeoutMs: number,
  onProgress: (progress: PodProgress) => void,
): Promise<void> {
  const pods = new Map<string, V1Pod>();
  const deadline = Date.now() + timeoutMs;
  let last = "";
  const judge = (): Verdict => {
    const known = names.map((n) => pods.get(n));
    for (const pod of known) {
      const refusal = pod && podRefusal(pod);
      if (refusal) return refusal;
    }
    if (known.some((p) => !p)) return undefined;
    const progress = progressOf(known as V1Pod[]);
    const shown = JSON.stringify(progress);
    if (shown !== last) onProgress(progress);
    last = shown;
    return progress.ready ? "ready" : undefined;
  };
  // a watch ends now and then (the server's timeout, a broken connection): list again and watch on from there
  while (Date.now() < deadline) {
    const list = await clients.core.listNamespacedPod({ namespace, labelSelector: labSelector(id) });
    pods.clear();
    for (const pod of list.items) pods.set(pod.metadata!.name!, pod);
    const missing = names.find((n) => !pods.has(n));
    if (missing) throw new DriverError("not_running", `${missing} was deleted while it booted`);
    const verdict = judge();
    if (verdict === "ready") return;
    if (verdict) throw verdict;
    const outcome = await watchUntil(clients, namespace, id, list.metadata?.resourceVersion, deadline, (type, pod) => {
      const name = pod.metadata?.name ?? "";
      if (!names.includes(name)) return undefined;
      if (type === "DELETED") return new DriverError("not_running", `${name} was deleted while it booted`);
      pods.set(name, pod);
      return judge();
    });
    if (outcome === "ready") return;
    if (outcome) throw outcome;
  }
  const stuck = names.filter((n) => !isReady(pods.get(n) ?? {}));
  throw new DriverError("boot_timeout", `${stuck.join(", ")} did not become Ready within ${Math.round(timeoutMs / 1000)} s`);
}

/** Watches the lab's pods until `onEvent` gives a verdict, the deadline passes, or the watch ends (undefined). */
function watchUntil(
  clients: KubeClients,
  namespace: string,
  id: string,
  resourceVersion: string | undefined,
  deadline: number,
  onEvent: (type: string, pod: V1Pod) => Verdict,
): Promise<Verdict> {
  return new Promise((resolve, reject) => {
    let controller: AbortController | undefined;
    let settled = false;
    const finish = (verdict: Verdict, error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      controller?.abort();
      if (error)
        reject(
          error instanceof DriverError ? error : new DriverError("engine_failed", `watching the lab's pods failed: ${apiMessage(error)}`, { cause: error }),
        );
      else resolve(verdict);
    };
    const timer = setTimeout(() => finish(undefined), Math.max(0, deadline - Date.now()));
    clients.count();
    clients.watch
      .watch(
        `/api/v1/namespaces/${namespace}/pods`,
        { labelSelector: labSelector(id), resourceVersion, allowWatchBookmarks: false },
        (type, pod: V1Pod) => {
          if (type === "ERROR") return finish(undefined); // e.g. 410 Gone: the caller lists again
          const verdict = onEvent(type, pod);
          if (verdict) finish(verdict);
        },
        (err) => (err && (err as Error).name !== "AbortError" ? finish(undefined, err) : finish(undefined)),
      )
      .then(
        (c) => (settled ? c.abort() : (controller = c)),
        (err) => finish(undefined, err),
      );
  });
}
