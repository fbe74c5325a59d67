import type { V1Pod } from "@kubernetes/client-node";
import type { CriterionResult, PodCheck } from "@dockyard/contract/server";
import type { JudgeContext } from "../context";
import { criterion } from "../criteria";
import { isReady } from "../../sandbox/kubernetes/objects";
import { existence, live, unlessAbsent, withCluster } from "./cluster";
import { type Demand, eachMeets, type Group, labelDemands } from "./each";
import { count, inRange, listNames, samePulledImage, showLabels, showRange } from "./match";

// Pods, named or chosen by a selector: with a selector, every matching pod must meet each field.

export async function judgePod(check: PodCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  return withCluster(ctx, async ({ core }) => {
    const { namespace } = check;
    if (check.name) {
      const { name } = check;
      const pod = await unlessAbsent(core.readNamespacedPod({ name, namespace }));
      if (!check.exists || !pod) return existence("pod", name, namespace, pod, check.exists);
      return [criterion("pod exists", true, `The pod “${name}” exists.`), ...podCriteria(check, { items: [pod], nameOf: podName, noun: ["pod", "pods"] })];
    }

    const selector = showLabels(check.selector!);
    const pods = live((await core.listNamespacedPod({ namespace, labelSelector: selector })).items);
    const names = pods.map(podName);
    if (!check.exists)
      return [
        pods.length
          ? criterion(
              `no pod matches ${selector}`,
              false,
              `${count(pods.length, "pod")} still match${pods.length === 1 ? "es" : ""} ${selector}: ${listNames(names)}.`,
            )
          : criterion(`no pod matches ${selector}`, true, `No pod matches ${selector}.`),
      ];
    const found = pods.length
      ? `${count(pods.length, "pod")} match${pods.length === 1 ? "es" : ""} ${selector}`
      : `No pod matches ${selector} in namespace ${namespace}`;
    const results = check.count
      ? [
          criterion(
            `${showRange(check.count)} pods match ${selector}`,
            inRange(check.count, pods.length),
            `${found}${inRange(check.count, pods.length) ? "." : `; there should be ${showRange(check.count)}.`}`,
          ),
        ]
      : [criterion(`a pod matches ${selector}`, pods.length > 0, `${found}.`)];
    if (!pods.length) return results;
    return [...results, ...podCriteria(check, { items: pods, nameOf: podName, noun: ["pod", "pods"], matching: `matching ${selector}` })];
  });
}

const podName = (pod: V1Pod) => pod.metadata?.name ?? "?";

function podCriteria(check: PodCheck, pods: Group<V1Pod>): CriterionResult[] {
  const demands: Demand<V1Pod>[] = [];
  const { phase, ready, image, onNode } = check;
  if (phase)
    demands.push({
      name: `phase ${phase}`,
      holds: (pod) => pod.status?.phase === phase,
      instead: (pod) => `is ${pod.status?.phase ?? "Unknown"}, not ${phase}`,
      wanted: [`is ${phase}`, `are ${phase}`],
    });
  if (ready !== undefined)
    demands.push({
      name: ready ? "ready" : "not ready",
      holds: (pod) => isReady(pod) === ready,
      instead: (pod) => (ready ? `is not ready${troubleOf(pod)}` : "is ready"),
      wanted: ready ? ["is ready", "are ready"] : ["is not ready", "are not ready"],
    });
  if (image)
    demands.push({
      name: `image ${image}`,
      holds: (pod) => imagesOf(pod).some((actual) => samePulledImage(image, actual)),
      instead: (pod) => `runs ${imagesOf(pod).join(", ") || "no container"}, not ${image}`,
      wanted: [`runs ${image}`, `run ${image}`],
    });
  if (check.label) demands.push(...labelDemands<V1Pod>(check.label, (pod) => pod.metadata?.labels));
  if (onNode)
    demands.push({
      name: `on node ${onNode}`,
      holds: (pod) => pod.spec?.nodeName === onNode,
      instead: (pod) => (pod.spec?.nodeName ? `runs on ${pod.spec.nodeName}, not ${onNode}` : "is not scheduled on a node yet"),
      wanted: [`runs on ${onNode}`, `run on ${onNode}`],
    });
  return demands.map((demand) => eachMeets(pods, demand));
}

const imagesOf = (pod: V1Pod) => (pod.spec?.containers ?? []).map((c) => c.image ?? "");

/** Why a pod is not ready, as kubectl describe would show it: " (its container “web” is waiting: ImagePullBackOff)". */
function troubleOf(pod: V1Pod): string {
  const unscheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  if (unscheduled) return ` (it cannot be scheduled${unscheduled.message ? `: ${unscheduled.message}` : ""})`;
  for (const status of pod.status?.containerStatuses ?? []) {
    const container = `its container “${status.name}”`;
    if (status.state?.waiting) return ` (${container} is waiting${status.state.waiting.reason ? `: ${status.state.waiting.reason}` : ""})`;
    if (status.state?.terminated) return ` (${container} has exited${status.state.terminated.reason ? `: ${status.state.terminated.reason}` : ""})`;
    if (!status.ready) return ` (${container} runs but is not ready yet)`;
  }
  return pod.status?.phase ? ` (it is ${pod.status.phase})` : "";
}
