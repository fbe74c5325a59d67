import { type Check, type CheckResult, DEFAULT_NODE, type RecordedCommand } from "@dockyard/contract/server";
import type { SandboxDriver } from "../sandbox/driver";
import { judge } from "../checks/judge";
import type { JudgeContext } from "../checks/context";
import type { ClusterApi } from "../kubernetes/api";

// One check of a step on a running lab: each check judged on the node it names (node1 unless it says `node:`),
// and the evidence that goes with the verdict, the commands the learner ran for the step on every node. Each
// node's commands are read once, whether the judge asks for them or the evidence does, and the lab's cluster
// (if it has one) is reached once for all the checks.

export class StepCheck {
  private readonly recorded = new Map<string, Promise<RecordedCommand[]>>();
  private cluster?: Promise<ClusterApi | undefined>;

  constructor(
    private readonly driver: Pick<SandboxDriver, "innerDocker" | "exec" | "registry">,
    private readonly id: string,
    /** The lab's nodes. */
    private readonly nodes: string[],
    /** The commands of the step that a node's shell recorded, oldest first. */
    private readonly commands: (node: string) => Promise<RecordedCommand[]>,
    /** The API of the lab's Kubernetes cluster, for labs that have one (lessons with `kubernetes:`). */
    private readonly clusterApi?: () => Promise<ClusterApi | undefined>,
  ) {}

  /** The verdict on the step's checks (a step with none passes). */
  verdict(checks: Check[]): Promise<CheckResult> {
    if (!checks.length) return Promise.resolve({ passed: true, message: "This step has nothing to check.", criteria: [] });
    return judge(checks, this.contextOf(DEFAULT_NODE));
  }

  /** The commands of the step on every node, oldest first (tagged with their node in a lab of several). */
  async evidence(): Promise<RecordedCommand[]> {
    const perNode = await Promise.all(
      this.nodes.map((node) =>
        this.commandsOf(node).then(
          (commands) => (this.nodes.length > 1 ? commands.map((c) => ({ ...c, node })) : commands),
          () => [], // the verdict stands even if a log cannot be read
        ),
      ),
    );
    return perNode.flat().sort((a, b) => a.at.localeCompare(b.at));
  }

  private commandsOf(node: string): Promise<RecordedCommand[]> {
    return this.recorded.get(node) ?? this.recorded.set(node, this.commands(node)).get(node)!;
  }

  private contextOf(node: string): JudgeContext {
    if (!this.nodes.includes(node)) throw new Error(`this lab has no node “${node}” (it has ${this.nodes.join(", ")})`);
    return {
      docker: this.driver.innerDocker(this.id, node),
      exec: (cmd, opts) => this.driver.exec(this.id, cmd, { ...opts, node }),
      commands: () => this.commandsOf(node),
      node: (name) => this.contextOf(name),
      registry: () => this.driver.registry(this.id),
      kubernetes: async () => (this.cluster ??= this.clusterApi?.()),
    };
  }
}
