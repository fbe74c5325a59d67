import { withLearnerLab } from "@/app/_lib/api";
import { recordingResponse } from "@/app/_lib/recordings";
import { labOf } from "@/app/_lib/runner";

// The learner's own terminal recordings of this lesson's lab (a grader reaches a student's through
// /api/cohorts/…/recording):
//   GET               the listing: { sandbox, lesson, recordings: [{ node, bytes, updatedAt }] }
//   GET ?node=node1   that node's recording, an asciicast v2 file

export const GET = withLearnerLab(async (req, { learnerId, params }) => recordingResponse(req, labOf(learnerId, params.slug)), { lesson: "known" });
