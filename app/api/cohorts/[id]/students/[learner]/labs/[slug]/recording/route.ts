import { reviewOf, reviewRefusal } from "@/app/_lib/review";
import { recordingResponse } from "@/app/_lib/recordings";
import { labOf } from "@/app/_lib/runner";
import { apiRoute } from "@/app/_lib/api";

// A student's terminal recordings of one of the cohort's lessons, for those who grade the cohort:
//   GET               the listing
//   GET ?node=node1   that node's recording, an asciicast v2 file

type Params = { params: Promise<{ id: string; learner: string; slug: string }> };

export const GET = apiRoute(async (req: Request, { params }: Params) => {
  const { id, learner, slug } = await params;
  const review = await reviewOf(id, learner, slug);
  if (!review.allowed) return reviewRefusal(review);
  return recordingResponse(req, labOf(learner, slug));
});
