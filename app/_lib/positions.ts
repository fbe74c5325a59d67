import { stuckRule } from "@dockyard/contract/server";
import { db, transactionRetryingRaces } from "./db";
import { lessonBySlug } from "./lessons";
import { roster, type Cohort } from "./cohorts";
import { classStatus, type ClassStatus } from "./classView";

// Where each learner is in a lesson: their lesson page reports the step they work on when it changes and
// every minute while open (LessonSteps); a new step restarts its clock, the same step only says "still here".
// Kept in the database, so the instructor's class view survives restarts and sees every student.

export async function recordPosition(learnerId: string, lessonSlug: string, stepId: string, now = new Date()): Promise<void> {
  await transactionRetryingRaces(async (tx) => {
    await tx.learner.upsert({ where: { id: learnerId }, create: { id: learnerId }, update: {} });
    const where = { learnerId_lessonSlug: { learnerId, lessonSlug } };
    const known = await tx.lessonPosition.findUnique({ where, select: { stepId: true } });
    if (known?.stepId === stepId) await tx.lessonPosition.update({ where, data: { seenAt: now } });
    else
      await tx.lessonPosition.upsert({
        where,
        create: { learnerId, lessonSlug, stepId, since: now, seenAt: now },
        update: { stepId, since: now, seenAt: now },
      });
  });
}

/** The cohort's students, where each is in its lessons, their last check and whether they look stuck. */
export async function cohortClass(cohort: Cohort, now = new Date()): Promise<ClassStatus> {
  const students = (await roster(cohort.id)).filter((m) => m.membership === "student");
  const learnerIds = students.map((s) => s.learnerId);
  const lessonSlugs = cohort.lessons.map((l) => l.slug);
  const positions = await db.lessonPosition.findMany({ where: { learnerId: { in: learnerIds }, lessonSlug: { in: lessonSlugs } } });
  // Only the step each student is on now (their latest position) is judged; reading those steps' rows is enough.
  const current = [...new Map(positions.sort((a, b) => a.seenAt.getTime() - b.seenAt.getTime()).map((p) => [p.learnerId, p])).values()];
  const steps = current.map(({ learnerId, lessonSlug, stepId }) => ({ learnerId, lessonSlug, stepId }));
  const [attempts, completions] = steps.length
    ? await Promise.all([
        db.checkAttempt.findMany({
          where: { OR: steps },
          select: { learnerId: true, lessonSlug: true, stepId: true, passed: true, result: true, origin: true, createdAt: true },
        }),
        db.stepCompletion.findMany({ where: { OR: steps }, select: { learnerId: true, lessonSlug: true, stepId: true } }),
      ])
    : [[], []];
  const lessonOf = (slug: string) => {
    const found = lessonBySlug(slug);
    return found && "lesson" in found ? found.lesson : undefined;
  };
  return classStatus({ students, positions: current, attempts, completions }, lessonOf, stuckRule(), now);
}
