import { withLearnerLab } from "@/app/_lib/api";
import { watchResponse } from "@/app/_lib/recordings";
import { labOf } from "@/app/_lib/runner";

// POST ?node=node1: where the learner opens a read-only live view of their own terminal, { url } (a grader
// gets one of a student's through /api/cohorts/…/watch).

export const POST = withLearnerLab(async (req, { learnerId, params }) => watchResponse(req, labOf(learnerId, params.slug)), { lesson: "known" });
