import { NextResponse } from "next/server";
import { z } from "zod";
import { recordHelp } from "@/app/_lib/progress";
import { apiError, apiRoute, readBody, stepLearner } from "@/app/_lib/api";

// Records that the learner revealed a hint or the solution of a step (graders see it with the step).

const helpRequest = z.object({ kind: z.enum(["hint", "solution"]), index: z.number().int().nonnegative().default(0) }).strict();

export const POST = apiRoute(async (req: Request, { params }: { params: Promise<{ slug: string; step: string }> }) => {
  const { slug, step: stepId } = await params;
  const found = await stepLearner(slug, stepId, true);
  if ("error" in found) return found.error;
  const request = await readBody(req, helpRequest);
  if ("error" in request) return request.error;
  const { kind, index } = request.body;
  const { step } = found;
  if (kind === "hint" && index >= step.hints) return apiError("unknown_hint", `Step “${stepId}” has ${step.hints} hint(s).`);
  if (kind === "solution" && index !== 0) return apiError("bad_request", "A step has one solution: index 0.");
  await recordHelp(found.learnerId, slug, stepId, kind, index);
  return NextResponse.json({ recorded: true });
});
