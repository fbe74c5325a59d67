import type { V1Node } from "@kubernetes/client-node";
import type { CriterionResult, KubernetesNodeCheck } from "@dockyard/contract/server";
import type { JudgeContext } from "../context";
import { criterion, labelCriteria } from "../criteria";
import { isReady } from "../../sandbox/kubernetes/objects";
import { live, unlessAbsent, withCluster } from "./cluster";
import { type Demand, eachMeets } from "./each";
import { count, hasLabels, inRange, showLabels, showRange } from "./match";

// The cluster's nodes: the kubelets of the lab's nodes, and kwok's fake ones. Without a name, label and fake
// pick the nodes that count and ready judge.

/** kwok marks the nodes it fakes with this annotation. */
const KWOK_NODE = "kwok.x-k8s.io/node";

export const isFakeNode = (node: V1Node) => node.metadata?.annotations?.[KWOK_NODE] === "fake";

function readyDemand(ready: boolean): Demand<V1Node> {
  return {
    name: ready ? "ready" : "not ready",
    holds: (node) => isReady(node) === ready,
    instead: (node) => {
      if (!ready) return "is ready";
      const condition = node.status?.conditions?.find((c) => c.type === "Ready");
      return `is not ready${condition?.message ? ` (${condition.message})` : ""}`;
    },
    wanted: ready ? ["is ready", "are ready"] : ["is not ready", "are not ready"],
  };
}

export async function judgeKubernetesNode(check: KubernetesNodeCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  return withCluster(ctx, async ({ core }) => {
    if (check.name) {
      const { name } = check;
      const node = await unlessAbsent(core.readNode({ name }));
      if (!node) return [criterion("node exists", false, `The cluster has no node named “${name}”.`)];
      const results = [criterion("node exists", true, `The cluster has a node “${name}”.`)];
      const group = { items: [node], nameOf: () => name, noun: ["node", "nodes"] as [string, string] };
      if (check.ready !== undefined) results.push(eachMeets(group, readyDemand(check.ready)));
      if (check.label) results.push(...labelCriteria(`the node “${name}”`, node.metadata?.labels, check.label));
      if (check.fake !== undefined) {
        const fake = isFakeNode(node);
        const said = fake ? "a fake node (kwok's)" : "a real node";
        results.push(
          criterion(
            check.fake ? "fake" : "real",
            fake === check.fake,
            `The node “${name}” is ${said}${fake === check.fake ? "" : `, not ${check.fake ? "a fake one" : "a real one"}`}.`,
          ),
        );
      }
      return results;
    }

    const { label, fake } = check;
    const nodes = live((await core.listNode()).items).filter(
      (node) => (!label || hasLabels(node.metadata?.labels, label)) && (fake === undefined || isFakeNode(node) === fake),
    );
    const kind = fake === undefined ? "" : fake ? "fake " : "real ";
    const matching = label ? `labelled ${showLabels(label)}` : undefined;
    const which = (noun: string) => `${kind}${noun}${matching ? ` ${matching}` : ""}`;
    const results: CriterionResult[] = [];
    if (check.count) {
      const ready = nodes.filter(isReady).length;
      const ok = inRange(check.count, ready);
      results.push(
        criterion(
          `${showRange(check.count)} ready nodes`,
          ok,
          `The cluster has ${ready} ready ${which(ready === 1 ? "node" : "nodes")}${ok ? "." : `; it should have ${showRange(check.count)}.`}`,
        ),
      );
    } else if (label || fake !== undefined || !nodes.length)
      results.push(
        nodes.length
          ? criterion(`${which("node")} exists`, true, `The cluster has ${count(nodes.length, `${kind}node`)}${matching ? ` ${matching}` : ""}.`)
          : criterion(`${which("node")} exists`, false, `The cluster has no ${which("node")}.`),
      );
    if (check.ready !== undefined && nodes.length)
      results.push(
        eachMeets({ items: nodes, nameOf: (node) => node.metadata?.name ?? "?", noun: [`${kind}node`, `${kind}nodes`], matching }, readyDemand(check.ready)),
      );
    return results;
  });
}
