import { NextResponse } from "next/server";
import { z } from "zod";
import { recordAttempt } from "@/app/_lib/progress";
import { apiError, apiRoute, readBody, stepLearner } from "@/app/_lib/api";
import { judgeQuiz } from "@dockyard/contract/server";

// Judges a quiz answer on the server and records the attempt like any other check: one the learner asked for.

const answer = z.object({ choices: z.array(z.number().int().nonnegative()).max(50) }).strict();

export const POST = apiRoute(async (req: Request, { params }: { params: Promise<{ slug: string; step: string }> }) => {
  const { slug, step: stepId } = await params;
  const found = await stepLearner(slug, stepId, true);
  if ("error" in found) return found.error;
  const { quiz } = found.step;
  if (!quiz) return apiError("no_quiz", `Step “${stepId}” has no quiz.`);
  const request = await readBody(req, answer);
  if ("error" in request) return request.error;
  if (request.body.choices.some((i) => i >= quiz.options.length))
    return apiError("bad_request", `choices: this quiz has ${quiz.options.length} options (0 to ${quiz.options.length - 1}).`);
  const result = judgeQuiz(quiz, request.body.choices);
  await recordAttempt(found.learnerId, slug, stepId, result, "asked");
  return NextResponse.json(result);
});
