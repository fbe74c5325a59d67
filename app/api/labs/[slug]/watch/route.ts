import { lessonBySlug } from "@/app/_lib/lessons";
import { apiError, lessonLearner } from "@/app/_lib/api";
import { labOf, watchResponse } from "@/app/_lib/recordings";

// POST ?node=node1: where the learner opens a read-only live view of their own terminal, { url } (a grader
// gets one of a student's through /api/cohorts/…/watch).

export async function POST(req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  if (!lessonBySlug(slug)) return apiError(404, "unknown_lesson", `There is no lesson “${slug}”.`);
  const learner = await lessonLearner(false);
  if ("error" in learner) return learner.error;
  return watchResponse(req, labOf(learner.learnerId, slug));
}
