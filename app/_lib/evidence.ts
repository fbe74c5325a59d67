import { isGraded, type Lesson, type CheckResult, type RecordedCommand } from "@dockyard/contract/server";
import type { RecordedOrigin } from "./checkOrigins";

// What a learner did on each step of a lesson, assembled from the records the site keeps (check attempts with
// their structured results, completions, hints and solutions revealed): the evidence graders review. Pure, so
// the matrix, the drill-down and both exports read one shape.
//
// What counts as the learner's attempts: the checks they asked for ("Check my work", a quiz answer), never the
// checks the lesson page runs by itself after a command, which are counted apart (automatic). A check recorded
// before the two were told apart (origin "unknown") still counts as an attempt, as it did then. A failed
// attempt is one of those that failed: an automatic check that fails is the page looking, not the learner trying.

/**
 * What graders are told next to the commands (the drill-down, both exports): where they come from and what they are worth.
 * The lab-runner keeps each report on the host as it arrives (lab-runner/src/recordings/command-log.ts).
 */
export const COMMANDS_NOTE =
  "Reported from inside the student's sandbox, by its shell. The student is root there, so they could have forged a report as it was made; " +
  "once reported, a command is kept outside the sandbox, where they cannot change or delete it. " +
  "The checks, which judge the sandbox's real state, are the authority on what was done.";

interface AttemptRow {
  learnerId: string;
  lessonSlug: string;
  stepId: string;
  passed: boolean;
  /** The CheckResult as JSON. */
  result: string;
  /** A RecordedOrigin. */
  origin: string;
  createdAt: Date;
}
interface CompletionRow {
  learnerId: string;
  lessonSlug: string;
  stepId: string;
  completedAt: Date;
}
interface HelpRow {
  learnerId: string;
  lessonSlug: string;
  stepId: string;
  kind: string;
  index: number;
  createdAt: Date;
}
export interface EvidenceRows {
  attempts: AttemptRow[];
  completions: CompletionRow[];
  helps: HelpRow[];
}

export interface Attempt {
  at: Date;
  passed: boolean;
  origin: RecordedOrigin;
  result: CheckResult;
}

export interface AttemptCounts {
  /** Checks the learner asked for: "Check my work" or a quiz answer. */
  asked: number;
  /** Checks the lesson page ran by itself after a command: not the learner's attempts. */
  automatic: number;
  /** Checks recorded before asked and automatic were told apart: counted as attempts, as they were then. */
  unknown: number;
  /** The learner's attempts (asked and unknown): what a grader counts as tries. */
  attempts: number;
  /** Those of the learner's attempts that failed. */
  failedAttempts: number;
}

type StepStatus = "passed" | "attempted" | "not started";

export interface StepReport {
  stepId: string;
  title: string;
  /** Whether the step counts towards completion (it has checks or a quiz). */
  graded: boolean;
  /** Judged by a quiz answer rather than in the lab (so its attempts left no marker in the recording). */
  quiz: boolean;
  status: StepStatus;
  completedAt?: Date;
  /** A graded step past its lesson's due date without being passed, or passed after it. */
  late: boolean;
  /** Every check recorded, asked and automatic, oldest first (the recording has a marker for each). */
  attempts: Attempt[];
  counts: AttemptCounts;
  /** How many of the step's hints were revealed (they are revealed in order). */
  hintsUsed: number;
  solutionShown: boolean;
  /** The first thing recorded of the step: a command run, a hint revealed or a check. */
  startedAt?: Date;
  /** From startedAt to the step's completion, or to the last thing recorded of it while it is not done. */
  secondsSpent?: number;
  /** The commands the learner ran while on this step, as the checks recorded them; oldest first. */
  commands: RecordedCommand[];
}

export interface LessonReport {
  slug: string;
  title: string;
  dueAt?: Date;
  gradedSteps: number;
  passedSteps: number;
  /** When the last graded step passed, once all have. */
  completedAt?: Date;
  /** Past its due date without being complete, or completed after it. */
  late: boolean;
  /** All its steps' checks, counted. */
  counts: AttemptCounts;
  steps: StepReport[];
}

const key = (lessonSlug: string, stepId: string) => `${lessonSlug}\0${stepId}`;

function group<T extends { lessonSlug: string; stepId: string }>(rows: T[]): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row.lessonSlug, row.stepId);
    grouped.set(k, [...(grouped.get(k) ?? []), row]);
  }
  return grouped;
}

/** A stored result; a row that is not valid JSON (never written by the site) still reads as its verdict. */
function parseResult(row: AttemptRow): CheckResult {
  try {
    return JSON.parse(row.result) as CheckResult;
  } catch {
    return { passed: row.passed, message: "(the stored result could not be read)", criteria: [] };
  }
}

/** Each command once, even though every attempt of a step records all of the step's recent commands. */
function commandsOf(attempts: Attempt[]): RecordedCommand[] {
  const seen = new Map<string, RecordedCommand>();
  for (const attempt of attempts) for (const c of attempt.result.commands ?? []) seen.set(`${c.at}\0${c.command}`, c);
  return [...seen.values()].sort((a, b) => a.at.localeCompare(b.at));
}

const originOf = (origin: string): RecordedOrigin => (origin === "asked" || origin === "automatic" ? origin : "unknown");

/** The learner's attempts and the automatic checks of a list of checks, counted apart. */
export function countAttempts(attempts: Attempt[]): AttemptCounts {
  const of = (origin: RecordedOrigin) => attempts.filter((a) => a.origin === origin).length;
  const tries = attempts.filter((a) => a.origin !== "automatic");
  return {
    asked: of("asked"),
    automatic: of("automatic"),
    unknown: of("unknown"),
    attempts: tries.length,
    failedAttempts: tries.filter((a) => !a.passed).length,
  };
}

const earliest = (dates: Date[]) => (dates.length ? new Date(Math.min(...dates.map((d) => d.getTime()))) : undefined);
const latest = (dates: Date[]) => (dates.length ? new Date(Math.max(...dates.map((d) => d.getTime()))) : undefined);

/** One learner's evidence on one lesson; `rows` may hold other learners' and lessons' rows too. */
export function lessonReport(lesson: Lesson, learnerId: string, rows: EvidenceRows, dueAt?: Date, now = new Date()): LessonReport {
  const isLate = (completedAt?: Date) => dueAt !== undefined && (completedAt ? completedAt > dueAt : now > dueAt);
  const mine = <T extends { learnerId: string; lessonSlug: string }>(list: T[]) =>
    list.filter((r) => r.learnerId === learnerId && r.lessonSlug === lesson.slug);
  const attempts = group(mine(rows.attempts));
  const completions = group(mine(rows.completions));
  const helps = group(mine(rows.helps));

  const steps = lesson.steps.map((step): StepReport => {
    const k = key(lesson.slug, step.id);
    const tried = (attempts.get(k) ?? [])
      .map((row): Attempt => ({ at: row.createdAt, passed: row.passed, origin: originOf(row.origin), result: parseResult(row) }))
      .sort((a, b) => a.at.getTime() - b.at.getTime());
    const completedAt = completions.get(k)?.[0]?.completedAt;
    const helped = helps.get(k) ?? [];
    const commands = commandsOf(tried);
    const activity = [...tried.map((a) => a.at), ...helped.map((h) => h.createdAt), ...commands.map((c) => new Date(c.at))];
    const startedAt = earliest(activity);
    const endedAt = completedAt ?? latest(activity);
    return {
      stepId: step.id,
      title: step.title,
      graded: isGraded(step),
      quiz: step.quiz !== undefined,
      status: completedAt ? "passed" : tried.length ? "attempted" : "not started",
      completedAt,
      late: isGraded(step) && isLate(completedAt),
      attempts: tried,
      counts: countAttempts(tried),
      hintsUsed: Math.max(0, ...helped.filter((h) => h.kind === "hint").map((h) => h.index + 1)),
      solutionShown: helped.some((h) => h.kind === "solution"),
      startedAt,
      secondsSpent: startedAt && endedAt ? Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 1000)) : undefined,
      commands,
    };
  });

  const graded = steps.filter((s) => s.graded);
  const passed = graded.filter((s) => s.completedAt);
  const completedAt = graded.length > 0 && passed.length === graded.length ? latest(passed.map((s) => s.completedAt!)) : undefined;
  return {
    slug: lesson.slug,
    title: lesson.title,
    dueAt,
    gradedSteps: graded.length,
    passedSteps: passed.length,
    completedAt,
    late: isLate(completedAt),
    counts: countAttempts(steps.flatMap((s) => s.attempts)),
    steps,
  };
}
