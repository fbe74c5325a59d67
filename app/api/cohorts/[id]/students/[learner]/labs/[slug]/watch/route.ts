import { reviewOf, reviewRefusal } from "@/app/_lib/review";
import { watchResponse } from "@/app/_lib/recordings";
import { labOf } from "@/app/_lib/runner";
import { apiRoute } from "@/app/_lib/api";

// POST ?node=node1: where a grader of the cohort opens a read-only live view of a student's terminal, { url }.
// The student's terminal shows that a live view is open.

type Params = { params: Promise<{ id: string; learner: string; slug: string }> };

export const POST = apiRoute(async (req: Request, { params }: Params) => {
  const { id, learner, slug } = await params;
  const review = await reviewOf(id, learner, slug);
  if (!review.allowed) return reviewRefusal(review);
  return watchResponse(req, labOf(learner, slug));
});
