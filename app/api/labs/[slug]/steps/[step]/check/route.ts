import { NextResponse } from "next/server";
import { labAccess, runCheck } from "@/app/_lib/runner";
import { recordAttempt } from "@/app/_lib/progress";
import { fromRunnerError, stepLearner } from "@/app/_lib/api";

// Judges one step in the learner's sandbox (the lab-runner decides), then records the attempt as evidence.

export async function POST(_req: Request, { params }: { params: Promise<{ slug: string; step: string }> }) {
  const { slug, step } = await params;
  // Only a step of the lesson goes into the lab-runner's URL: a made-up one (“../start”) would name another route there.
  const learner = await stepLearner(slug, step, false);
  if ("error" in learner) return learner.error;
  try {
    const result = await runCheck(labAccess(learner.learnerId, slug), step);
    await recordAttempt(learner.learnerId, slug, step, result);
    return NextResponse.json(result);
  } catch (e) {
    return fromRunnerError(e);
  }
}
