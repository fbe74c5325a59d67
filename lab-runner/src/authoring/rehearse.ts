import crypto from "node:crypto";
import { LabManager } from "../labs";
import { spawnPty } from "../terminal/pty";
import { DockerSandboxDriver } from "../sandbox/docker";
import { findLesson, judgeQuiz, readSetupFailure, Refusal, type Lesson, type Quiz, type Step, DEFAULT_NODE } from "@dockyard/contract/server";
import { ScriptedShell, ShellError, type TypedCommand } from "./scripted-shell";

// lessons:test rehearses a lesson as a learner would take it: in a real sandbox, through the real LabManager
// and a real terminal (of the node each step names), step by step. The lesson's setup runs as the lab boots, each
// step's when the step is reached, as for a learner; a failing setup is reported with its output. Each step's checks
// must fail before the step and after every known-wrong answer, and pass after its solution; a quiz must accept its
// right answer and refuse wrong ones.

export interface CheckAttempt {
  /** The state judged: before the step, after a known-wrong answer, after the solution, or a quiz answer. */
  phase: "before" | "wrong" | "solution" | "quiz";
  /** The wrong answer typed, or the quiz options chosen. */
  answer?: string;
  /** How the shell took the wrong answer. */
  typed?: TypedCommand;
  expected: "fail" | "pass";
  passed: boolean;
  /** The verdict is the expected one. */
  ok: boolean;
  message: string;
  /** How often it was judged: a wrong answer is watched for a while, a solution given time to take effect. */
  tries: number;
  ms: number;
}

export interface StepReport {
  id: string;
  title: string;
  ok: boolean;
  attempts: CheckAttempt[];
  /** The solution's blocks as typed, in order. */
  solution: TypedCommand[];
  /** Why the step could not be rehearsed to the end (its setup failed, a command hung, the sandbox stopped). */
  error?: string;
  /** What the terminal showed when that happened, or what the failed setup script printed last. */
  output?: string;
  ms: number;
}

export interface LessonReport {
  slug: string;
  ok: boolean;
  bootMs?: number;
  steps: StepReport[];
  /** Why the lesson could not be rehearsed (the sandbox did not boot, or the lesson's setup failed). */
  error?: string;
  /** What the lesson's failed setup script printed last. */
  output?: string;
  ms: number;
}

export interface RehearsalOptions {
  /** How long one typed block may run: a build can take a minute or more. */
  commandTimeoutMs?: number;
  /** How long the checks get to pass after the solution (a container may still be starting). */
  passWithinMs?: number;
  /** How long the checks are watched after a known-wrong answer, in case they pass late. */
  wrongWatchMs?: number;
}

const DEFAULTS: Required<RehearsalOptions> = { commandTimeoutMs: 180_000, passWithinMs: 10_000, wrongWatchMs: 1_500 };
const POLL_MS = 500;

/** A LabManager on Dockyard's engine, with node-pty terminals, judging the lessons of `contentDir`. */
export function rehearsalLabs(contentDir: string): LabManager {
  return new LabManager(new DockerSandboxDriver(), {
    idleTimeoutMs: Infinity,
    findLesson: (slug) => findLesson(contentDir, slug),
    spawnPty,
  });
}

/** One lesson in its own sandbox: boot(), then step() for each step in order, and close() in every case. */
export class Rehearsal {
  readonly report: LessonReport;
  private readonly lesson: Lesson;
  private readonly options: Required<RehearsalOptions>;
  private readonly started = performance.now();
  private sandbox?: string;
  /** A terminal per node, opened when a step first works there. */
  private readonly shells = new Map<string, ScriptedShell>();

  constructor(
    private readonly labs: LabManager,
    slug: string,
    options: RehearsalOptions = {},
  ) {
    this.lesson = labs.lesson(slug);
    this.options = { ...DEFAULTS, ...options };
    this.report = { slug, ok: false, steps: [], ms: 0 };
  }

  get steps(): Step[] {
    return this.lesson.steps;
  }

  async boot(): Promise<void> {
    const t0 = performance.now();
    try {
      this.sandbox = await this.labs.ensure(`lessons-test-${crypto.randomBytes(6).toString("hex")}`, this.lesson.slug);
      await this.labs.watch(this.sandbox, () => {});
      await this.shell(DEFAULT_NODE);
      this.report.bootMs = performance.now() - t0;
    } catch (e) {
      if (isSetupFailure(e)) Object.assign(this.report, setupReport(e));
      else this.report.error = `the sandbox did not start: ${(e as Error).message}`;
      throw e;
    }
  }

  async step(step: Step): Promise<StepReport> {
    const t0 = performance.now();
    const report: StepReport = { id: step.id, title: step.title, ok: false, attempts: [], solution: [], ms: 0 };
    this.report.steps.push(report);
    try {
      if (!this.sandbox || !this.shells.size) throw new Error("the sandbox is not running");
      const shell = await this.shell(step.node ?? DEFAULT_NODE);
      await this.labs.setStep(this.sandbox, step.id);
      await this.labs.prepareStep(this.sandbox, this.lesson.slug, step.id);
      if (step.checks.length) {
        report.attempts.push(await this.judge(step, "before"));
        for (const answer of step.wrong) {
          const typed = await shell.type(answer, this.options.commandTimeoutMs);
          report.attempts.push({ ...(await this.judge(step, "wrong", answer)), typed });
        }
      }
      for (const command of step.solution) report.solution.push(await shell.type(command, this.options.commandTimeoutMs));
      if (step.checks.length) report.attempts.push(await this.judge(step, "solution"));
      if (step.quiz) report.attempts.push(...quizAttempts(step.quiz));
    } catch (e) {
      if (isSetupFailure(e)) Object.assign(report, setupReport(e));
      else report.error = (e as Error).message;
      if (e instanceof ShellError) report.output = e.output;
    }
    report.ok = !report.error && report.attempts.every((a) => a.ok);
    report.ms = performance.now() - t0;
    return report;
  }

  /** Removes the sandbox (whatever happened) and completes the report. */
  async close(): Promise<void> {
    for (const shell of this.shells.values()) shell.close();
    if (this.sandbox) await this.labs.remove(this.sandbox);
    const { report } = this;
    report.ok = !report.error && report.steps.length === this.lesson.steps.length && report.steps.every((s) => s.ok);
    report.ms = performance.now() - this.started;
  }

  private async shell(node: string): Promise<ScriptedShell> {
    let shell = this.shells.get(node);
    if (!shell) {
      shell = new ScriptedShell(this.labs.session(this.sandbox!, node));
      this.shells.set(node, shell);
      await shell.start();
    }
    return shell;
  }

  /**
   * Judges the step like the Check button. After the solution, polls until it passes or time is up; after a
   * wrong answer, watches until it passes (wrongly) or time is up; before the step, judges once.
   */
  private async judge(step: Step, phase: "before" | "wrong" | "solution", answer?: string): Promise<CheckAttempt> {
    const t0 = performance.now();
    const expected = phase === "solution" ? "pass" : "fail";
    const window = phase === "solution" ? this.options.passWithinMs : phase === "wrong" ? this.options.wrongWatchMs : 0;
    let tries = 0;
    for (;;) {
      const result = await this.labs.check(this.sandbox!, this.lesson.slug, step.id);
      tries++;
      if (result.passed || performance.now() - t0 + POLL_MS > window) {
        const ms = performance.now() - t0;
        return { phase, answer, expected, passed: result.passed, ok: result.passed === (expected === "pass"), message: result.message, tries, ms };
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

const isSetupFailure = (e: unknown): e is Refusal => e instanceof Refusal && e.code === "setup_failed";

/** A failed setup as a report tells it: what failed, and the script's output apart. */
function setupReport(e: Refusal): { error: string; output?: string } {
  const { summary, output } = readSetupFailure(e.message);
  return { error: `setup failed: ${summary}`, ...(output && { output }) };
}

/** The right choices must pass; each wrong option alone, the right ones plus a wrong one, and all but one of several right ones must fail. */
function quizAttempts(quiz: Quiz): CheckAttempt[] {
  const wrong = quiz.options.map((_, i) => i).filter((i) => !quiz.correct.includes(i));
  const selections: { choices: number[]; expected: "pass" | "fail" }[] = [{ choices: quiz.correct, expected: "pass" }];
  for (const i of wrong) selections.push({ choices: [i], expected: "fail" });
  if (wrong.length) selections.push({ choices: [...quiz.correct, wrong[0]!], expected: "fail" });
  if (quiz.correct.length > 1) for (const i of quiz.correct) selections.push({ choices: quiz.correct.filter((c) => c !== i), expected: "fail" });
  return selections.map(({ choices, expected }) => {
    const t0 = performance.now();
    const { passed, message } = judgeQuiz(quiz, choices);
    const answer = choices.map((i) => `“${quiz.options[i]}”`).join(" + ");
    return { phase: "quiz", answer, expected, passed, ok: passed === (expected === "pass"), message, tries: 1, ms: performance.now() - t0 };
  });
}

/** Rehearses one lesson from boot to removal. What went wrong in the sandbox is in the report, not thrown. */
export async function rehearseLesson(labs: LabManager, slug: string, options?: RehearsalOptions): Promise<LessonReport> {
  const rehearsal = new Rehearsal(labs, slug, options);
  try {
    await rehearsal.boot();
    for (const step of rehearsal.steps) await rehearsal.step(step);
  } catch {
    // the boot failure is in the report
  } finally {
    await rehearsal.close();
  }
  return rehearsal.report;
}
