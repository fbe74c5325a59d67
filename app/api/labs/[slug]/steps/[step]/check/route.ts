import { NextResponse } from "next/server";
import { z } from "zod";
import { runCheck } from "@/app/_lib/runner";
import { CHECK_ORIGINS } from "@/app/_lib/checkOrigins";
import { recordAttempt } from "@/app/_lib/progress";
import { readBody, stepOf, withLearnerLab } from "@/app/_lib/api";

// Judges one step in the learner's sandbox (the lab-runner decides), then records the attempt as evidence, with
// who asked for it: { "origin": "asked" } from the learner's button, "automatic" from the page after a command.
// A body-less request (a page loaded before the site asked for the origin) is recorded as "unknown".

const request = z.object({ origin: z.enum(CHECK_ORIGINS) }).strict();

export const POST = withLearnerLab<{ slug: string; step: string }>(async (req, { learnerId, access, params: { slug, step } }) => {
  // Only a step of the lesson goes into the lab-runner's URL: a made-up one (“../start”) would name another route there.
  stepOf(slug, step);
  const body = await readBody(req, request, { origin: "unknown" as const });
  if ("error" in body) return body.error;
  const result = await runCheck(access, step);
  await recordAttempt(learnerId, slug, step, result, body.body.origin);
  return NextResponse.json(result);
});
