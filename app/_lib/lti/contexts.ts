import { Refusal } from "@dockyard/contract";
import { isRole } from "@/app/_lib/access";
import { addGrader, createCohort, joinCohort } from "@/app/_lib/cohorts";
import { db, isUniqueViolation } from "@/app/_lib/db";
import type { LtiLaunch } from "./claims";
import { raisedRole, type CourseRole } from "./roles";

// An LMS course (LTI context) is a cohort. A cohort needs an instructor, so the course's cohort is made by the
// first launch of someone the LMS calls its Instructor; they own it (Cohort.instructorId). Instructors who launch
// later join it as graders (they see its roster and grades; the class view stays its owner's), teaching
// assistants as graders, everyone else as students. A student who launches before any instructor has is told so
// in plain words (lti_course_not_ready) and let in once an instructor has opened Dockyard from the course.

/** How long a course's cohort is due from its creation: the LMS keeps the real due dates, per assignment. */
const COURSE_DAYS = 365;

/** Raises the account's site role to what the course says (instructor, grader), never lowering it. */
export async function raiseRole(learnerId: string, course: CourseRole): Promise<void> {
  const row = await db.learner.findUnique({ where: { id: learnerId }, select: { role: true } });
  if (!row) return;
  const current = isRole(row.role) ? row.role : "student";
  const raised = raisedRole(current, course);
  if (raised !== current) await db.learner.update({ where: { id: learnerId }, data: { role: raised } });
}

async function courseCohort(
  platformId: string,
  launch: LtiLaunch,
  learnerId: string,
  role: CourseRole,
  now: Date,
): Promise<{ cohortId: string; instructorId: string }> {
  const context = launch.context!;
  const key = { platformId_contextId: { platformId, contextId: context.id } };
  const found = await db.ltiContext.findUnique({ where: key, select: { cohortId: true, cohort: { select: { instructorId: true } } } });
  if (found) {
    await db.ltiContext.update({
      where: key,
      data: {
        title: context.title,
        ...(launch.membershipsUrl && { membershipsUrl: launch.membershipsUrl }),
        ...(launch.lineItemsUrl && { lineItemsUrl: launch.lineItemsUrl }),
      },
    });
    return { cohortId: found.cohortId, instructorId: found.cohort.instructorId };
  }
  if (role !== "instructor") throw new Refusal("lti_course_not_ready");
  const cohortId = await createCohort(learnerId, { name: context.title, dueAt: new Date(now.getTime() + COURSE_DAYS * 86_400_000), lessons: [] }, now);
  try {
    await db.ltiContext.create({
      data: {
        platformId,
        contextId: context.id,
        cohortId,
        title: context.title,
        membershipsUrl: launch.membershipsUrl ?? null,
        lineItemsUrl: launch.lineItemsUrl ?? null,
      },
    });
  } catch (e) {
    await db.cohort.delete({ where: { id: cohortId } });
    if (isUniqueViolation(e)) return courseCohort(platformId, launch, learnerId, role, now); // another instructor's first launch won
    throw e;
  }
  return { cohortId, instructorId: learnerId };
}

/**
 * Puts the launching learner in the course's cohort with their course role (and raises their site role to it);
 * the cohort's id, or undefined for a launch from outside any course. Refused (lti_course_not_ready) for a
 * student or grader of a course no instructor has launched from yet.
 */
export async function enterCourse(platformId: string, launch: LtiLaunch, learnerId: string, role: CourseRole, now = new Date()): Promise<string | undefined> {
  await raiseRole(learnerId, role);
  if (!launch.context) return undefined;
  const cohort = await courseCohort(platformId, launch, learnerId, role, now);
  await joinCourseCohort(cohort, learnerId, role);
  return cohort.cohortId;
}

/** Puts a person of the course in its cohort by their course role (its owner is in it already); also for the roster (roster.ts). */
export async function joinCourseCohort(cohort: { cohortId: string; instructorId: string }, learnerId: string, role: CourseRole): Promise<void> {
  if (cohort.instructorId === learnerId) return;
  if (role === "student") await joinCohort(cohort.cohortId, learnerId);
  else await addGrader(cohort.cohortId, learnerId);
}
