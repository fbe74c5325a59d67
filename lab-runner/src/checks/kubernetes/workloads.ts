import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from "@kubernetes/client-node";
import type { CriterionResult, DeploymentCheck, ReplicaSetCheck } from "@dockyard/contract/server";
import type { ClusterApi } from "../../kubernetes/api";
import type { JudgeContext } from "../context";
import { capitalize, criterion, labelCriteria } from "../criteria";
import { existence, live, namespaceFlag, unlessAbsent, withCluster } from "./cluster";
import { count, hasLabels, inRange, samePulledImage, showLabels, showRange } from "./match";

// Deployments and the ReplicaSets they own (one per revision of their pod template: the rollout history).

const REVISION = "deployment.kubernetes.io/revision";

export async function judgeDeployment(check: DeploymentCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  return withCluster(ctx, async (api) => {
    const { name, namespace } = check;
    const deployment = await unlessAbsent(api.apps.readNamespacedDeployment({ name, namespace }));
    if (!check.exists || !deployment) return existence("deployment", name, namespace, deployment, check.exists);

    const subject = `the deployment “${name}”`;
    const Subject = capitalize(subject);
    const results = [criterion("deployment exists", true, `${Subject} exists.`)];
    const replicas = deployment.spec?.replicas ?? 1;
    const ready = deployment.status?.readyReplicas ?? 0;
    if (check.replicas !== undefined) {
      const ok = replicas === check.replicas;
      const scale = `scale it with kubectl scale deployment ${name} --replicas=${check.replicas}${namespaceFlag(namespace)}`;
      results.push(
        criterion(`${check.replicas} replicas`, ok, `${Subject} asks for ${count(replicas, "replica")}${ok ? "." : `, not ${check.replicas}; ${scale}.`}`),
      );
    }
    if (check.readyReplicas !== undefined) {
      const ok = ready === check.readyReplicas;
      results.push(
        criterion(
          `${check.readyReplicas} replicas ready`,
          ok,
          `${Subject} has ${ready} of ${replicas} replicas ready${ok ? "." : `; it should have ${check.readyReplicas}.`}`,
        ),
      );
    }
    if (check.available !== undefined) {
      const unfinished = rolloutUnfinished(deployment);
      const ok = (unfinished === undefined) === check.available;
      const state = unfinished ? `is still rolling out: ${unfinished}` : `has rolled out: ${count(replicas, "replica")} updated and available`;
      const wanted = check.available
        ? `; wait for it to finish (kubectl rollout status deployment/${name}${namespaceFlag(namespace)})`
        : "; it should still be rolling out";
      results.push(criterion(check.available ? "rolled out" : "not rolled out", ok, `${Subject} ${state}${ok ? "" : wanted}.`));
    }
    if (check.image) results.push(templateImage(subject, deployment.spec?.template, check.image));
    if (check.label) results.push(...labelCriteria(subject, deployment.metadata?.labels, check.label));
    if (check.selector) {
      const matchLabels = deployment.spec?.selector?.matchLabels ?? {};
      const ok = hasLabels(matchLabels, check.selector);
      const shown = showLabels(check.selector);
      results.push(
        criterion(`selector ${shown}`, ok, `${Subject} selects pods by ${showLabels(matchLabels) || "no label"}${ok ? "." : `; it should select ${shown}.`}`),
      );
    }
    if (check.revisions) {
      const n = (await ownedReplicaSets(api, namespace, name)).length;
      const ok = inRange(check.revisions, n);
      results.push(
        criterion(
          `${showRange(check.revisions)} revisions`,
          ok,
          `${Subject} has ${count(n, "revision")} in its rollout history${ok ? "." : `; it should have ${showRange(check.revisions)}.`}`,
        ),
      );
    }
    return results;
  });
}

/**
 * What a deployment's rollout still waits for, as `kubectl rollout status` sees it; undefined when it is complete
 * (the controller saw the latest spec, and every replica is updated, ready and available, no old one left).
 */
export function rolloutUnfinished(deployment: V1Deployment): string | undefined {
  const replicas = deployment.spec?.replicas ?? 1;
  const { observedGeneration = 0, updatedReplicas = 0, replicas: current = 0, readyReplicas = 0, availableReplicas = 0 } = deployment.status ?? {};
  if ((deployment.metadata?.generation ?? 0) > observedGeneration) return "its latest change has not been picked up yet";
  if (updatedReplicas < replicas) return `${updatedReplicas} of ${replicas} replicas are updated`;
  if (current > updatedReplicas) return `${count(current - updatedReplicas, "old replica")} still running`;
  if (readyReplicas < replicas) return `${readyReplicas} of ${replicas} updated replicas are ready`;
  if (availableReplicas < replicas) return `${availableReplicas} of ${replicas} updated replicas are available`;
  return undefined;
}

/** Whether a pod template runs an image ("image", or {container, image} for a named container). */
function templateImage(subject: string, template: V1PodTemplateSpec | undefined, wanted: { container?: string; image: string }): CriterionResult {
  const containers = template?.spec?.containers ?? [];
  const { container, image } = wanted;
  const name = container ? `image ${container}=${image}` : `image ${image}`;
  if (container) {
    const found = containers.find((c) => c.name === container);
    if (!found)
      return criterion(
        name,
        false,
        `${capitalize(subject)} has no container “${container}” (it has ${containers.map((c) => `“${c.name}”`).join(", ") || "none"}).`,
      );
    const ok = samePulledImage(image, found.image ?? "");
    return criterion(name, ok, `The container “${container}” of ${subject} runs ${found.image}${ok ? "." : `, not ${image}.`}`);
  }
  const images = containers.map((c) => c.image ?? "");
  const ok = images.some((actual) => samePulledImage(image, actual));
  return criterion(name, ok, `${capitalize(subject)} runs ${ok ? image : `${images.join(", ") || "no container"}, not ${image}`}.`);
}

/** The ReplicaSets a deployment owns, newest revision first. */
async function ownedReplicaSets(api: ClusterApi, namespace: string, deployment: string): Promise<V1ReplicaSet[]> {
  const all = live((await api.apps.listNamespacedReplicaSet({ namespace })).items);
  return all
    .filter((rs) => rs.metadata?.ownerReferences?.some((owner) => owner.kind === "Deployment" && owner.name === deployment))
    .sort((a, b) => revisionOf(b) - revisionOf(a));
}

const revisionOf = (rs: V1ReplicaSet) => Number(rs.metadata?.annotations?.[REVISION] ?? 0);

export async function judgeReplicaSet(check: ReplicaSetCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  return withCluster(ctx, async (api) => {
    const { namespace } = check;
    if (check.name) {
      const rs = await unlessAbsent(api.apps.readNamespacedReplicaSet({ name: check.name, namespace }));
      if (!rs) return [criterion("replicaset exists", false, `No ReplicaSet named “${check.name}” exists in namespace ${namespace}.`)];
      return [
        criterion("replicaset exists", true, `The ReplicaSet “${check.name}” exists.`),
        ...replicaSetCriteria(check, rs, `the ReplicaSet “${check.name}”`),
      ];
    }

    const deployment = check.deployment!;
    const owned = await ownedReplicaSets(api, namespace, deployment);
    const owns = `The deployment “${deployment}” owns ${count(owned.length, "ReplicaSet")}`;
    const results = check.count
      ? [
          criterion(
            `${showRange(check.count)} ReplicaSets`,
            inRange(check.count, owned.length),
            `${owns}${inRange(check.count, owned.length) ? "." : `; it should own ${showRange(check.count)}.`}`,
          ),
        ]
      : [
          owned.length
            ? criterion("replicaset exists", true, `${owns}.`)
            : criterion("replicaset exists", false, `No ReplicaSet belongs to a deployment “${deployment}” in namespace ${namespace}.`),
        ];
    if (!owned.length) return results;

    // image picks the ReplicaSet that runs it (the newest such); else the newest revision is judged
    let chosen = owned[0]!;
    if (check.image) {
      const { image } = check;
      const running = owned.find((rs) => imagesOf(rs).some((actual) => samePulledImage(image, actual)));
      const others = [...new Set(owned.flatMap(imagesOf))].join(", ");
      if (!running)
        return [...results, criterion(`image ${image}`, false, `No ReplicaSet of the deployment “${deployment}” runs ${image} (they run ${others}).`)];
      chosen = running;
    }
    const subject = `the ReplicaSet “${chosen.metadata?.name}” of the deployment “${deployment}”`;
    return [...results, ...replicaSetCriteria(check, chosen, subject)];
  });
}

const imagesOf = (rs: V1ReplicaSet) => (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? "");

function replicaSetCriteria(check: ReplicaSetCheck, rs: V1ReplicaSet, subject: string): CriterionResult[] {
  const results: CriterionResult[] = [];
  if (check.image) results.push(templateImage(subject, rs.spec?.template, { image: check.image }));
  if (check.replicas !== undefined) {
    const replicas = rs.spec?.replicas ?? 1;
    const ok = replicas === check.replicas;
    results.push(
      criterion(`${check.replicas} replicas`, ok, `${capitalize(subject)} has ${count(replicas, "replica")}${ok ? "." : `, not ${check.replicas}.`}`),
    );
  }
  return results;
}
