import { type Check, DEFAULT_NODE, type CheckResult, type CriterionResult } from "@dockyard/contract/server";
import type { JudgeContext } from "./context";
import { judgeContainer } from "./container";
import { judgeImage } from "./image";
import { judgeVolume } from "./volume";
import { judgeNetwork } from "./network";
import { judgeFile, judgeHttp, judgeScript } from "./sandbox";
import { judgeCommand } from "./commands";
import { judgeRegistry } from "./registry";
import { judgePod } from "./kubernetes/pods";
import { judgeDeployment, judgeReplicaSet } from "./kubernetes/workloads";
import { judgeService } from "./kubernetes/services";
import { judgeKubernetesNode } from "./kubernetes/nodes";

// The one place a check is judged. Checks look at the sandbox's real state (its inner Engine API, or a
// command run inside it), never at what the learner typed, so an alias or a fake `docker` cannot fool them;
// only the `command` kind, about a command itself, reads the commands the sandbox's shell recorded.
// A check is judged on node1 of the lab unless it names another node (`node: node2`); the Kubernetes kinds
// read the lab's cluster through its API.

type Judges = { [K in Check["kind"]]: (check: Extract<Check, { kind: K }>, ctx: JudgeContext) => Promise<CriterionResult[]> };

const JUDGES: Judges = {
  container: judgeContainer,
  image: judgeImage,
  volume: judgeVolume,
  network: judgeNetwork,
  file: judgeFile,
  http: judgeHttp,
  command: judgeCommand,
  script: judgeScript,
  registry: judgeRegistry,
  pod: judgePod,
  deployment: judgeDeployment,
  replicaset: judgeReplicaSet,
  service: judgeService,
  "kubernetes-node": judgeKubernetesNode,
};

function contextFor(check: Check, ctx: JudgeContext): JudgeContext {
  if (!("node" in check) || !check.node || check.node === DEFAULT_NODE) return ctx;
  if (!ctx.node) throw new Error(`this lab has no node “${check.node}”`);
  return ctx.node(check.node);
}

export async function judge(checks: Check[], ctx: JudgeContext): Promise<CheckResult> {
  const criteria: CriterionResult[] = [];
  for (const check of checks) {
    try {
      const judgeKind = JUDGES[check.kind] as (check: Check, ctx: JudgeContext) => Promise<CriterionResult[]>;
      criteria.push(...(await judgeKind(check, contextFor(check, ctx))));
    } catch (e) {
      criteria.push({ name: check.kind, passed: false, message: `The check could not run: ${(e as Error).message}` });
    }
  }
  const failed = criteria.filter((c) => !c.passed);
  return {
    passed: criteria.length > 0 && failed.length === 0,
    message: failed.length ? failed.map((c) => c.message).join(" ") : "Well done: every part of this step is complete.",
    criteria,
  };
}
