import { db } from "./db";
import type { CheckResult } from "@/lab-runner/src/shared/types";

// Learner progress: every check attempt is kept as evidence; a passed step is recorded once.

export async function completedSteps(learnerId: string | undefined, lessonSlug?: string): Promise<{ lessonSlug: string; stepId: string }[]> {
  if (!learnerId) return [];
  return db.stepCompletion.findMany({
    where: { learnerId, ...(lessonSlug ? { lessonSlug } : {}) },
    select: { lessonSlug: true, stepId: true },
  });
}

export async function recordAttempt(learnerId: string, lessonSlug: string, stepId: string, result: CheckResult): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.learner.upsert({ where: { id: learnerId }, create: { id: learnerId }, update: {} });
    await tx.checkAttempt.create({ data: { learnerId, lessonSlug, stepId, passed: result.passed, result: JSON.stringify(result) } });
    if (result.passed)
      await tx.stepCompletion.upsert({
        where: { learnerId_lessonSlug_stepId: { learnerId, lessonSlug, stepId } },
        create: { learnerId, lessonSlug, stepId },
        update: {},
      });
  });
}
