import { lessonBySlug } from "@/app/_lib/lessons";
import { apiError, lessonLearner } from "@/app/_lib/api";
import { labOf, recordingResponse } from "@/app/_lib/recordings";

// The learner's own terminal recordings of this lesson's lab (a grader reaches a student's through
// /api/cohorts/…/recording):
//   GET               the listing: { sandbox, lesson, recordings: [{ node, bytes, updatedAt }] }
//   GET ?node=node1   that node's recording, an asciicast v2 file

export async function GET(req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  if (!lessonBySlug(slug)) return apiError(404, "unknown_lesson", `There is no lesson “${slug}”.`);
  const learner = await lessonLearner(false);
  if ("error" in learner) return learner.error;
  return recordingResponse(req, labOf(learner.learnerId, slug));
}
