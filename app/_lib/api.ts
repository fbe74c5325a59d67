import { NextResponse } from "next/server";
import type { z } from "zod";
import type { Lesson, Step } from "@/lab-runner/src/lessons/schema";
import { lessonBySlug } from "./lessons";
import { labAccess, RunnerError, type LabAccess } from "./runner";
import { currentLearner } from "./session";

/** JSON error bodies of the site's API: { error: code, message: what to do }. */
export const apiError = (status: number, error: string, message: string) => NextResponse.json({ error, message }, { status });

export function fromRunnerError(e: unknown) {
  if (e instanceof RunnerError) return apiError(e.status, e.code, e.message);
  throw e;
}

const MAX_BODY_BYTES = 16 * 1024;

/** The request's JSON body checked against a schema, or the error response to send instead. */
export async function readBody<T>(req: Request, schema: z.ZodType<T>): Promise<{ body: T } | { error: NextResponse }> {
  const text = await req.text();
  if (text.length > MAX_BODY_BYTES) return { error: apiError(413, "too_large", `The request body is over ${MAX_BODY_BYTES} bytes.`) };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: apiError(400, "bad_json", "The request body is not JSON.") };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { error: apiError(400, "bad_request", parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")) };
  return { body: parsed.data };
}

/** The step a route names, or the 404 to send. */
export function findStep(slug: string, stepId: string): { lesson: Lesson; step: Step } | { error: NextResponse } {
  const found = lessonBySlug(slug);
  if (!found) return { error: apiError(404, "unknown_lesson", `There is no lesson “${slug}”.`) };
  if ("error" in found) return { error: apiError(409, "broken_lesson", found.error.message) };
  const step = found.lesson.steps.find((s) => s.id === stepId);
  if (!step) return { error: apiError(404, "unknown_step", `Lesson “${slug}” has no step “${stepId}”.`) };
  return { lesson: found.lesson, step };
}

/** The lab of this request's learner, or the 401 to send when the request has no session yet. */
export async function learnerLab(slug: string): Promise<{ access: LabAccess } | { error: NextResponse }> {
  const learner = await currentLearner();
  if (!learner) return { error: apiError(401, "no_session", "Open the lesson first: your session starts with its sandbox.") };
  return { access: labAccess(learner, slug) };
}
