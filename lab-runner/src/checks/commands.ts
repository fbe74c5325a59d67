import type { CommandCheck, CriterionResult, RecordedCommand } from "@dockyard/contract/server";
import type { JudgeContext } from "./context";
import { criterion, quote } from "./criteria";

// The commands a learner ran, per step. The sandbox's ~/.bashrc (lab-runner/sandbox-image/bashrc) appends
// each finished command to COMMAND_LOG, tagged with the step last written to STEP_FILE. Only checks about a
// command itself read them; everything else is judged from the sandbox's real state.

export const STEP_FILE = "/run/dockyard/step";
export const COMMAND_LOG = "/run/dockyard/commands.log";
/** Older lines are not read: a step's commands are recent ones. */
const MAX_LINES = 5000;

type Exec = JudgeContext["exec"];

export async function writeStep(exec: Exec, stepId: string): Promise<void> {
  const result = await exec(["sh", "-c", 'printf "%s\\n" "$1" >"$2"', "sh", stepId, STEP_FILE], { timeoutMs: 10_000 });
  if (result.exitCode !== 0) throw new Error(`could not record the step: ${result.output.trim()}`);
}

export async function readCommands(exec: Exec, stepId?: string): Promise<RecordedCommand[]> {
  const result = await exec(["sh", "-c", '[ ! -e "$1" ] || tail -n "$2" "$1"', "sh", COMMAND_LOG, String(MAX_LINES)], { timeoutMs: 10_000 });
  if (result.exitCode !== 0) throw new Error(`could not read the command log: ${result.output.trim()}`);
  const commands = parseCommandLog(result.output);
  return stepId === undefined ? commands : commands.filter((c) => c.step === stepId);
}

/** Lines are "epoch-ms TAB step TAB exit-status TAB command" with \\ \n \t escaped; malformed lines are skipped. */
export function parseCommandLog(text: string): RecordedCommand[] {
  const commands: RecordedCommand[] = [];
  for (const line of text.split("\n")) {
    const [ms, step, status, ...rest] = line.split("\t");
    if (!/^\d{1,15}$/.test(ms ?? "") || !/^\d{1,3}$/.test(status ?? "") || !rest.length) continue;
    const command = rest.join("\t").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c));
    commands.push({ at: new Date(Number(ms)).toISOString(), step: step!, exitCode: Number(status), command });
  }
  return commands;
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
