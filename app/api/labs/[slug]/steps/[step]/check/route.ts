import { NextResponse } from "next/server";
import { runCheck } from "@/app/_lib/runner";
import { recordAttempt } from "@/app/_lib/progress";
import { stepOf, withLearnerLab } from "@/app/_lib/api";

// Judges one step in the learner's sandbox (the lab-runner decides), then records the attempt as evidence.

export const POST = withLearnerLab<{ slug: string; step: string }>(async (_req, { learnerId, access, params: { slug, step } }) => {
  // Only a step of the lesson goes into the lab-runner's URL: a made-up one (“../start”) would name another route there.
  stepOf(slug, step);
  const result = await runCheck(access, step);
  await recordAttempt(learnerId, slug, step, result);
  return NextResponse.json(result);
});
