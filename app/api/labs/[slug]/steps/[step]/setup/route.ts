import { NextResponse } from "next/server";
import { prepareStep } from "@/app/_lib/runner";
import { stepOf, withLearnerLab } from "@/app/_lib/api";

// The lesson page asks for this when the learner reaches a step that has setup blocks: the lab-runner runs those
// not yet run (never twice) and answers once they passed, or refuses as setup_failed with the script's output.

export const POST = withLearnerLab<{ slug: string; step: string }>(async (_req, { access, params: { slug, step } }) => {
  stepOf(slug, step); // only a step of the lesson goes into the lab-runner's URL
  return NextResponse.json(await prepareStep(access, step));
});
