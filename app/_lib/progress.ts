import { db, transactionRetryingRaces } from "./db";
import { isGraded, type CheckResult } from "@dockyard/contract/server";
import { lessonBySlug } from "./lessons";
import { queueScores } from "./lti/scores";
import type { Queryable } from "./outbox/queue";
import { recordEvent } from "./webhooks/events";
import type { RecordedOrigin } from "./checkOrigins";

// Learner progress: every check attempt is kept as evidence, with who asked for it; a passed step is recorded once.
// Each change is told to the webhook endpoints that want it (webhooks/events.ts) in the transaction that records it.

export async function completedSteps(learnerId: string | undefined, lessonSlug?: string): Promise<{ lessonSlug: string; stepId: string }[]> {
  if (!learnerId) return [];
  return db.stepCompletion.findMany({
    where: { learnerId, ...(lessonSlug ? { lessonSlug } : {}) },
    select: { lessonSlug: true, stepId: true },
  });
}

export async function recordAttempt(learnerId: string, lessonSlug: string, stepId: string, result: CheckResult, origin: RecordedOrigin): Promise<void> {
  await transactionRetryingRaces(async (tx) => {
    await tx.learner.upsert({ where: { id: learnerId }, create: { id: learnerId }, update: {} });
    await tx.checkAttempt.create({ data: { learnerId, lessonSlug, stepId, passed: result.passed, result: JSON.stringify(result), origin } });
    await recordEvent(tx, { type: "check.attempted", learnerId, lessonSlug, stepId, result, origin });
    if (result.passed && (await recordPassed(tx, learnerId, lessonSlug, stepId))) {
      await recordEvent(tx, { type: "step.passed", learnerId, lessonSlug, stepId });
      await queueScores(tx, learnerId, lessonSlug);
      if (await lessonNewlyCompleted(tx, learnerId, lessonSlug, stepId)) await recordEvent(tx, { type: "lesson.completed", learnerId, lessonSlug });
    }
  });
}

/** Records a passed step; whether it was passed for the first time. */
async function recordPassed(tx: Queryable, learnerId: string, lessonSlug: string, stepId: string): Promise<boolean> {
  const where = { learnerId_lessonSlug_stepId: { learnerId, lessonSlug, stepId } };
  if (await tx.stepCompletion.findUnique({ where })) return false;
  await tx.stepCompletion.upsert({ where, create: { learnerId, lessonSlug, stepId }, update: {} });
  return true;
}

/** Whether the newly passed step was the last graded step of its lesson the learner had not passed. */
async function lessonNewlyCompleted(tx: Queryable, learnerId: string, lessonSlug: string, stepId: string): Promise<boolean> {
  const found = lessonBySlug(lessonSlug);
  const graded = found && "lesson" in found ? found.lesson.steps.filter(isGraded).map((s) => s.id) : [];
  if (!graded.includes(stepId)) return false;
  const passed = await tx.stepCompletion.count({ where: { learnerId, lessonSlug, stepId: { in: graded } } });
  return passed === graded.length;
}

export type HelpKind = "hint" | "solution";

/** A revealed hint or shown solution; revealing the same one again records nothing new. */
export async function recordHelp(learnerId: string, lessonSlug: string, stepId: string, kind: HelpKind, index: number): Promise<void> {
  await transactionRetryingRaces(async (tx) => {
    await tx.learner.upsert({ where: { id: learnerId }, create: { id: learnerId }, update: {} });
    const where = { learnerId_lessonSlug_stepId_kind_index: { learnerId, lessonSlug, stepId, kind, index } };
    if (await tx.helpUse.findUnique({ where })) return;
    await tx.helpUse.upsert({ where, create: { learnerId, lessonSlug, stepId, kind, index }, update: {} });
    await recordEvent(
      tx,
      kind === "hint" ? { type: "hint.revealed", learnerId, lessonSlug, stepId, hint: index } : { type: "solution.revealed", learnerId, lessonSlug, stepId },
    );
  });
}

/** Per step of a lesson: how many hints the learner revealed and whether they saw the solution. */
export async function helpUsed(learnerId: string | undefined, lessonSlug: string): Promise<Map<string, { hints: number; solution: boolean }>> {
  const used = new Map<string, { hints: number; solution: boolean }>();
  if (!learnerId) return used;
  for (const use of await db.helpUse.findMany({ where: { learnerId, lessonSlug } })) {
    const step = used.get(use.stepId) ?? { hints: 0, solution: false };
    if (use.kind === "hint") step.hints = Math.max(step.hints, use.index + 1);
    else step.solution = true;
    used.set(use.stepId, step);
  }
  return used;
}

/** The learner's lab of a lesson was started (or opened again): nothing is kept but the webhook deliveries. */
export async function recordLabStarted(learnerId: string, lessonSlug: string): Promise<void> {
  await recordEvent(db, { type: "lab.started", learnerId, lessonSlug });
}
