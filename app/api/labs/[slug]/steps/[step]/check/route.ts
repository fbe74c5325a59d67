import { NextResponse } from "next/server";
import { currentLearner } from "@/app/_lib/session";
import { labAccess, runCheck } from "@/app/_lib/runner";
import { recordAttempt } from "@/app/_lib/progress";
import { apiError, fromRunnerError } from "@/app/_lib/api";

// Judges one step in the learner's sandbox (the lab-runner decides), then records the attempt as evidence.

export async function POST(_req: Request, { params }: { params: Promise<{ slug: string; step: string }> }) {
  const { slug, step } = await params;
  const learner = await currentLearner();
  if (!learner) return apiError(401, "no_session", "Open the lesson first: your session starts with its sandbox.");
  try {
    const result = await runCheck(labAccess(learner, slug), step);
    await recordAttempt(learner, slug, step, result);
    return NextResponse.json(result);
  } catch (e) {
    return fromRunnerError(e);
  }
}
