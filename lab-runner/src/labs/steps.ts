import type { JudgeContext } from "../checks/context";
import { writeStep } from "../checks/commands";

// The step each lab is on: from a step change on, the commands run in the learner's shells (on every node) count
// for that step (checks/commands.ts writes it into each node, and the recording gets a marker). Changes of one lab
// apply in order, and only a real change is written.

export interface SteppedLabs {
  /** The nodes of the lab. */
  nodesOf(id: string): Promise<string[]>;
  /** Runs a command in a node of the lab. */
  execOn(id: string, node: string): JudgeContext["exec"];
  /** Marks the lab's recordings. */
  mark(id: string, marker: string): void;
}

export class Steps {
  /** Per sandbox: the step last written into it, and the write in flight. */
  private readonly steps = new Map<string, { current?: string; writing: Promise<void> }>();

  constructor(private readonly labs: SteppedLabs) {}

  /** The lab is now on this step; resolves once every node knows it. */
  set(id: string, stepId: string): Promise<void> {
    const state = this.steps.get(id) ?? { writing: Promise.resolve() };
    this.steps.set(id, state);
    state.writing = state.writing
      .catch(() => {})
      .then(async () => {
        if (state.current === stepId) return;
        const nodes = await this.labs.nodesOf(id);
        await Promise.all(nodes.map((node) => writeStep(this.labs.execOn(id, node), stepId)));
        state.current = stepId;
        this.labs.mark(id, `step ${stepId}`);
      });
    return state.writing;
  }

  forget(id: string): void {
    this.steps.delete(id);
  }
}
