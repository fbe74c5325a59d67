import type { Lesson } from "@dockyard/contract";
import type { RecordedOrigin } from "./checkOrigins";

// The instructor's class view, shaped: for each student of a cohort, where they are (the cohort lesson their
// page last reported, its step and since when), the last check of that step, how many of their attempts at it
// failed, and whether they look stuck. Pure, so the rule is unit-tested; positions.ts reads the rows.
//
// Stuck: on a step they have not passed, with at least `failedChecks` failed attempts at it (checks they asked
// for: the page's automatic checks are it looking, not them trying), or at least `minutes` on it. A page that
// has not reported for AWAY_AFTER_MS is away: its minutes stop at when it was last seen, so a closed laptop is
// not a student stuck for hours, and the view says since when they are away.

export interface StuckRule {
  failedChecks: number;
  minutes: number;
}

/** The lesson page reports the learner's step every POSITION_REPORT_MS while open; missing three reports is away. */
export const POSITION_REPORT_MS = 60_000;
export const AWAY_AFTER_MS = 3 * POSITION_REPORT_MS;

export type StuckReason = "failed_checks" | "time";

/** Whether a student on a step looks stuck, and why (failed attempts first: the stronger sign). */
export function stuckOn(rule: StuckRule, step: { passed: boolean; failedChecks: number; minutes: number }): StuckReason | undefined {
  if (step.passed) return undefined;
  if (step.failedChecks >= rule.failedChecks) return "failed_checks";
  if (step.minutes >= rule.minutes) return "time";
  return undefined;
}

/** Whole minutes on the step: until now, or until they were last seen if they are away. */
export const minutesOnStep = (since: Date, seenAt: Date, now: Date) =>
  Math.max(0, Math.floor(((now.getTime() - seenAt.getTime() >= AWAY_AFTER_MS ? seenAt : now).getTime() - since.getTime()) / 60_000));

export interface StudentPosition {
  lessonSlug: string;
  lessonTitle: string;
  stepId: string;
  stepTitle: string;
  /** 1-based, of `steps` in the lesson. */
  stepNumber: number;
  steps: number;
  since: string;
  seenAt: string;
  away: boolean;
  minutesOnStep: number;
  passed: boolean;
  failedChecks: number;
  lastCheck?: { passed: boolean; message: string; origin: RecordedOrigin; at: string };
  stuck?: StuckReason;
}

export interface ClassStudent {
  learnerId: string;
  email: string;
  /** None until they open one of the cohort's lessons. */
  position?: StudentPosition;
}

export interface ClassStatus {
  at: string;
  rule: StuckRule;
  students: ClassStudent[];
}

/** What positions.ts reads for a cohort: its students, their positions in its lessons, and their checks and passes of those steps. */
export interface ClassRows {
  students: { learnerId: string; email: string }[];
  positions: { learnerId: string; lessonSlug: string; stepId: string; since: Date; seenAt: Date }[];
  attempts: { learnerId: string; lessonSlug: string; stepId: string; passed: boolean; result: string; origin: string; createdAt: Date }[];
  completions: { learnerId: string; lessonSlug: string; stepId: string }[];
}

const originOf = (origin: string): RecordedOrigin => (origin === "asked" || origin === "automatic" ? origin : "unknown");

function messageOf(result: string): string {
  try {
    return String((JSON.parse(result) as { message?: unknown }).message ?? "");
  } catch {
    return "";
  }
}

/** The class as the view shows it: stuck students first, then by email. */
export function classStatus(rows: ClassRows, lessonOf: (slug: string) => Lesson | undefined, rule: StuckRule, now = new Date()): ClassStatus {
  const same = (a: { learnerId: string; lessonSlug: string; stepId: string }, b: typeof a) =>
    a.learnerId === b.learnerId && a.lessonSlug === b.lessonSlug && a.stepId === b.stepId;
  const students = rows.students.map((student): ClassStudent => {
    const here = rows.positions.filter((p) => p.learnerId === student.learnerId).sort((a, b) => b.seenAt.getTime() - a.seenAt.getTime())[0];
    const lesson = here && lessonOf(here.lessonSlug);
    const index = lesson?.steps.findIndex((s) => s.id === here!.stepId) ?? -1;
    if (!here || !lesson || index < 0) return student;
    const checks = rows.attempts.filter((a) => same(a, here)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const last = checks.at(-1);
    const passed = rows.completions.some((c) => same(c, here));
    const failedChecks = checks.filter((c) => !c.passed && originOf(c.origin) !== "automatic").length;
    const minutes = minutesOnStep(here.since, here.seenAt, now);
    const stuck = stuckOn(rule, { passed, failedChecks, minutes });
    return {
      ...student,
      position: {
        lessonSlug: lesson.slug,
        lessonTitle: lesson.title,
        stepId: here.stepId,
        stepTitle: lesson.steps[index]!.title,
        stepNumber: index + 1,
        steps: lesson.steps.length,
        since: here.since.toISOString(),
        seenAt: here.seenAt.toISOString(),
        away: now.getTime() - here.seenAt.getTime() >= AWAY_AFTER_MS,
        minutesOnStep: minutes,
        passed,
        failedChecks,
        ...(last && { lastCheck: { passed: last.passed, message: messageOf(last.result), origin: originOf(last.origin), at: last.createdAt.toISOString() } }),
        ...(stuck && { stuck }),
      },
    };
  });
  const rank = (s: ClassStudent) => (s.position?.stuck ? 0 : s.position ? 1 : 2);
  return { at: now.toISOString(), rule, students: students.sort((a, b) => rank(a) - rank(b) || a.email.localeCompare(b.email)) };
}
