import { db } from "./db";
import type { CheckResult } from "@dockyard/contract";

// Learner progress: every check attempt is kept as evidence, with who asked for it; a passed step is recorded once.

/**
 * Who started a check: the learner ("Check my work", a quiz answer) or the lesson page by itself, a moment
 * after a command ran. Graders count the first as attempts and the second apart. A row recorded before the
 * site told them apart (or sent by a page loaded before) reads "unknown".
 */
export const CHECK_ORIGINS = ["asked", "automatic"] as const;
export type CheckOrigin = (typeof CHECK_ORIGINS)[number];
export type RecordedOrigin = CheckOrigin | "unknown";

export async function completedSteps(learnerId: string | undefined, lessonSlug?: string): Promise<{ lessonSlug: string; stepId: string }[]> {
  if (!learnerId) return [];
  return db.stepCompletion.findMany({
    where: { learnerId, ...(lessonSlug ? { lessonSlug } : {}) },
    select: { lessonSlug: true, stepId: true },
  });
}

export async function recordAttempt(learnerId: string, lessonSlug: string, stepId: string, result: CheckResult, origin: RecordedOrigin): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.learner.upsert({ where: { id: learnerId }, create: { id: learnerId }, update: {} });
    await tx.checkAttempt.create({ data: { learnerId, lessonSlug, stepId, passed: result.passed, result: JSON.stringify(result), origin } });
    if (result.passed)
      await tx.stepCompletion.upsert({
        where: { learnerId_lessonSlug_stepId: { learnerId, lessonSlug, stepId } },
        create: { learnerId, lessonSlug, stepId },
        update: {},
      });
  });
}

export type HelpKind = "hint" | "solution";

/** A revealed hint or shown solution; revealing the same one again records nothing new. */
export async function recordHelp(learnerId: string, lessonSlug: string, stepId: string, kind: HelpKind, index: number): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.learner.upsert({ where: { id: learnerId }, create: { id: learnerId }, update: {} });
    await tx.helpUse.upsert({
      where: { learnerId_lessonSlug_stepId_kind_index: { learnerId, lessonSlug, stepId, kind, index } },
      create: { learnerId, lessonSlug, stepId, kind, index },
      update: {},
    });
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
