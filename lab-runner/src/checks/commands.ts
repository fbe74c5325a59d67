import type { CommandCheck, CriterionResult } from "@dockyard/contract/server";
import type { JudgeContext } from "./context";
import { criterion, quote } from "./criteria";

// Checks about a command itself: the commands a learner ran, per step, as their shell reported them to the lab-runner
// (recordings/command-log.ts keeps them on the host). The shell tags each with the step it reads from STEP_FILE,
// which the lab-runner writes into every node when the step changes (labs/steps.ts). Only these checks read
// commands; everything else is judged from the sandbox's real state, which stays the authority.

export const STEP_FILE = "/run/dockyard/step";

type Exec = JudgeContext["exec"];

export async function writeStep(exec: Exec, stepId: string): Promise<void> {
  const result = await exec(["sh", "-c", 'printf "%s\\n" "$1" >"$2"', "sh", stepId, STEP_FILE], { timeoutMs: 10_000 });
  if (result.exitCode !== 0) throw new Error(`could not record the step: ${result.output.trim()}`);
}

/** Shown when a command check fails: what the learner did run in this step, most recent last. */
const SHOWN_COMMANDS = 5;

export async function judgeCommand(check: CommandCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const ran = (await ctx.commands()).map((c) => c.command);
  const tried = ran.length
    ? `you ran: ${ran
        .slice(-SHOWN_COMMANDS)
        .map((c) => quote(c, 60))
        .join(", ")}.`
    : "you have not run any command in this step yet.";
  const results: CriterionResult[] = [];
  const judged = (name: string, wanted: string, test: (command: string) => boolean) => {
    const hit = ran.findLast(test);
    results.push(criterion(name, hit !== undefined, hit !== undefined ? `You ran ${quote(hit, 60)}.` : `Run a command that ${wanted}; ${tried}`));
  };
  if (check.matches !== undefined) {
    const pattern = new RegExp(check.matches);
    judged("matching command", `matches /${check.matches}/`, (c) => pattern.test(c));
  }
  if (check.contains !== undefined) judged(`command with “${check.contains}”`, `contains “${check.contains}”`, (c) => c.includes(check.contains!));
  return results;
}
