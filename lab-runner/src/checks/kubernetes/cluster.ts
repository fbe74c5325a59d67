import type { CriterionResult } from "@dockyard/contract/server";
import type { JudgeContext } from "../context";
import type { ClusterApi } from "../../kubernetes/api";
import { apiServerSilent } from "../../sandbox/kubernetes/client";
import { criterion } from "../criteria";

// How the Kubernetes judges reach the lab's cluster, and what its API's answers mean for a check: 404 is an
// answer (the object is absent), a server that does not answer is a criterion the learner sees, anything
// else is the check failing to run.

export const API_SILENT = "The cluster's API server does not answer (is it still starting?)";

/** Judges a check with the lab's cluster; a lab without one cannot be judged. */
export async function withCluster(ctx: JudgeContext, judge: (api: ClusterApi) => Promise<CriterionResult[]>): Promise<CriterionResult[]> {
  try {
    const api = await ctx.kubernetes?.();
    if (!api) throw new Error("this lab has no Kubernetes cluster");
    return await judge(api);
  } catch (e) {
    if (apiServerSilent(e)) return [criterion("API server answers", false, API_SILENT)];
    throw new Error(apiErrorMessage(e));
  }
}

/** The API's error in one line: its Status message when it gave one (an ApiException carries the whole response). */
function apiErrorMessage(error: unknown): string {
  const e = error as { code?: unknown; body?: unknown; message?: string };
  if (typeof e.code !== "number") return e.message ?? String(error);
  let status: { message?: string } | undefined;
  try {
    status = typeof e.body === "string" ? JSON.parse(e.body) : (e.body as typeof status);
  } catch {
    status = undefined;
  }
  return `the cluster's API answered ${e.code}${status?.message ? `: ${status.message}` : ""}`;
}

/** A read of one object: undefined when it does not exist (404) or is being deleted. */
export async function unlessAbsent<T extends { metadata?: { deletionTimestamp?: Date } }>(request: Promise<T>): Promise<T | undefined> {
  try {
    const object = await request;
    return object.metadata?.deletionTimestamp ? undefined : object;
  } catch (e) {
    if ((e as { code?: unknown }).code === 404) return undefined;
    throw e;
  }
}

/**
 * The verdict on a check of one named object that its existence settles (call it when `exists` is false, or the object
 * is absent): `exists: false` is judged alone, and an absent object leaves nothing else to judge.
 */
export function existence(kind: string, name: string, namespace: string, object: unknown, exists: boolean): CriterionResult[] {
  if (!exists)
    return [
      object
        ? criterion(
            `no ${kind} ${name}`,
            false,
            `The ${kind} “${name}” still exists; delete it with kubectl delete ${kind} ${name}${namespaceFlag(namespace)}.`,
          )
        : criterion(`no ${kind} ${name}`, true, `There is no ${kind} “${name}”.`),
    ];
  return [criterion(`${kind} exists`, false, `No ${kind} named “${name}” exists in namespace ${namespace}.`)];
}

/** The objects of a list that are not being deleted (a deleted pod lingers while it terminates). */
export const live = <T extends { metadata?: { deletionTimestamp?: Date } }>(items: T[]): T[] => items.filter((item) => !item.metadata?.deletionTimestamp);

/** `kubectl` names the namespace only when it is not the default one. */
export const namespaceFlag = (namespace: string) => (namespace === "default" ? "" : ` -n ${namespace}`);
