import { notFound } from "next/navigation";
import { REFUSALS } from "@dockyard/contract";
import { mayGradeCohort, mayListCohorts, mayReviewStudent, mayWatchClass, type CohortFacts, type Decision, type Viewer } from "./access";
import { apiError } from "./api";
import { cohortById, membershipOf, type Cohort } from "./cohorts";
import { enforce } from "./guard";
import { currentViewer } from "./session";

// The access checks of the grading pages and routes (and the class view's), in one order for all of them: a visitor who has not
// signed in learns nothing (401), not even whether the cohort exists; then an unknown cohort is 404; then
// the rules decide (403).

type Refused = { allowed: false; code: Extract<Decision, { allowed: false }>["code"] | "unknown_cohort"; message: string };
type Review<T> = ({ allowed: true } & T) | Refused;

const unknownCohort: Refused = { allowed: false, code: "unknown_cohort", message: REFUSALS.unknown_cohort.message };
const refusedBy = (decision: Decision): Refused | undefined => (decision.allowed ? undefined : decision);

/** The cohort, for someone the rule lets in. */
async function cohortFor(
  cohortId: string,
  rule: (viewer: Viewer, facts: CohortFacts) => Decision,
): Promise<Review<{ cohort: Cohort; viewer: Viewer; facts: CohortFacts }>> {
  const viewer = await currentViewer();
  const signIn = refusedBy(mayListCohorts(viewer));
  if (signIn) return signIn;
  const cohort = await cohortById(cohortId);
  if (!cohort) return unknownCohort;
  const facts = { instructorId: cohort.instructorId, membership: await membershipOf(cohort.id, viewer.learnerId) };
  return refusedBy(rule(viewer, facts)) ?? { allowed: true, cohort, viewer, facts };
}

/** The cohort, for someone who may grade it. */
export const gradingOf = (cohortId: string) => cohortFor(cohortId, mayGradeCohort);

/** The cohort, for someone who may watch its class live (its instructor, admins). */
export const teachingOf = (cohortId: string) => cohortFor(cohortId, mayWatchClass);

/** One student of the cohort (and, when `lessonSlug` is given, their work on one of its lessons), for a grader of it. */
export async function reviewOf(cohortId: string, learnerId: string, lessonSlug?: string): Promise<Review<{ cohort: Cohort }>> {
  const grading = await gradingOf(cohortId);
  if (!grading.allowed) return grading;
  const { cohort, viewer, facts } = grading;
  const inCohort = lessonSlug === undefined || cohort.lessons.some((l) => l.slug === lessonSlug);
  const decision = mayReviewStudent(viewer, facts, { membership: await membershipOf(cohort.id, learnerId) }, inCohort);
  if (!decision.allowed) return decision;
  return { allowed: true, cohort };
}

/** For pages: a refusal renders the sign-in page, the forbidden page or the not-found page. */
export function enforceReview<T>(review: Review<T>): asserts review is { allowed: true } & T {
  if (!review.allowed && review.code === "unknown_cohort") notFound();
  enforce(review as Decision);
}

/** For API routes: a refusal as the JSON error to send. */
export const reviewRefusal = (review: Refused) => apiError(review.code, review.message);
