import { NextResponse } from "next/server";
import { labAccess, runCheck } from "@/app/_lib/runner";
import { recordAttempt } from "@/app/_lib/progress";
import { findStep, fromRunnerError, lessonLearner } from "@/app/_lib/api";

// Judges one step in the learner's sandbox (the lab-runner decides), then records the attempt as evidence.

export async function POST(_req: Request, { params }: { params: Promise<{ slug: string; step: string }> }) {
  const { slug, step } = await params;
  const learner = await lessonLearner(false);
  if ("error" in learner) return learner.error;
  // Only a step of the lesson goes into the lab-runner's URL: a made-up one (“../start”) would name another route there.
  const found = findStep(slug, step);
  if ("error" in found) return found.error;
  try {
    const result = await runCheck(labAccess(learner.learnerId, slug), step);
    await recordAttempt(learner.learnerId, slug, step, result);
    return NextResponse.json(result);
  } catch (e) {
    return fromRunnerError(e);
  }
}
