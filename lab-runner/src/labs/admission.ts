import { Refusal } from "@dockyard/contract/server";
import type { SandboxDriver } from "../sandbox/driver";
import type { LabOwner } from "./boots";

// Who may start a new lab: a learner at most maxLabsPerLearner at once, the host at most maxLabs in all,
// counting the labs the engine runs and those this lab-runner is still booting. New labs are admitted one
// at a time, so that concurrent starts cannot overrun a quota together.

export interface LabQuotas {
  /** How many labs one learner may have running at once, and how many may run in all (no limit unless given). */
  maxLabsPerLearner?: number;
  maxLabs?: number;
}

export class Admission {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly driver: Pick<SandboxDriver, "list">,
    private readonly quotas: LabQuotas,
    /** The lesson's title as learners know it. */
    private readonly titleOf: (lessonSlug: string) => string,
  ) {}

  /** Runs `admit` once every earlier one has finished, whether it failed or not. */
  inTurn<T>(admit: () => Promise<T>): Promise<T> {
    const turn = this.queue.then(admit);
    this.queue = turn.catch(() => {});
    return turn;
  }

  /**
   * Refuses the learner's lab `id` when it would be over their quota or the host's capacity, saying which and
   * what to do. `started` are the labs this lab-runner started, which the engine may not list yet.
   */
  async check(learnerId: string, id: string, started: Iterable<[string, LabOwner]>): Promise<void> {
    const running = new Map<string, LabOwner>(); // by sandbox id
    let sandboxes;
    try {
      sandboxes = await this.driver.list();
    } catch {
      throw new Refusal("engine_down");
    }
    for (const sandbox of sandboxes) if (sandbox.running) running.set(sandbox.id, sandbox);
    for (const [other, owner] of started) running.set(other, owner);
    running.delete(id);
    const { maxLabsPerLearner = Infinity, maxLabs = Infinity } = this.quotas;
    const mine = [...running.values()].filter((lab) => lab.learnerId === learnerId);
    if (mine.length >= maxLabsPerLearner) {
      const titles = mine.map((lab) => `“${this.titleOf(lab.lessonSlug)}”`).join(", ");
      throw new Refusal(
        "lab_quota",
        `You already have ${mine.length} lab${mine.length === 1 ? "" : "s"} running (${titles}), the most one learner may have at once. Stop one with “Stop lab” on its lesson page, then reload this page. Idle labs also stop by themselves.`,
      );
    }
    if (running.size >= maxLabs)
      throw new Refusal("at_capacity", `Dockyard is running as many labs as it can (${maxLabs}). Try again in a few minutes, when idle labs have stopped.`);
  }
}
