import { NextResponse } from "next/server";
import type { z } from "zod";
import type { Lesson, Step } from "@dockyard/contract/server";
import { lessonBySlug } from "./lessons";
import { labAccess, RunnerError, type LabAccess } from "./runner";
import { currentViewer, ensureLearner } from "./session";
import { lessonsDecision } from "./guard";
import type { Decision } from "./access";

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
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return { error: apiError(413, "too_large", `The request body is over ${MAX_BODY_BYTES} bytes.`) };
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
function findStep(slug: string, stepId: string): { lesson: Lesson; step: Step } | { error: NextResponse } {
  const found = lessonBySlug(slug);
  if (!found) return { error: apiError(404, "unknown_lesson", `There is no lesson “${slug}”.`) };
  if ("error" in found) return { error: apiError(409, "broken_lesson", found.error.message) };
  const step = found.lesson.steps.find((s) => s.id === stepId);
  if (!step) return { error: apiError(404, "unknown_step", `Lesson “${slug}” has no step “${stepId}”.`) };
  return { lesson: found.lesson, step };
}

/** The error response for a refused decision: 401 asks the visitor to sign in, 403 says this account may not. */
export const refusal = (decision: Extract<Decision, { allowed: false }>) =>
  apiError(decision.status, decision.status === 401 ? "sign_in_required" : "forbidden", decision.message);

/**
 * The learner a lesson or lab route acts for, or the response to send instead: a 401 when the site wants
 * visitors signed in, or when there is no session yet and `start` (may this request begin one) is false.
 */
export async function lessonLearner(start: boolean): Promise<{ learnerId: string } | { error: NextResponse }> {
  const decision = await lessonsDecision();
  if (!decision.allowed) return { error: refusal(decision) };
  const viewer = await currentViewer();
  if (viewer.learnerId) return { learnerId: viewer.learnerId };
  if (start) return { learnerId: await ensureLearner() };
  return { error: apiError(401, "no_session", "Open the lesson first: your session starts with its sandbox.") };
}

/** The learner a step route acts for and the step it names (only a step of the lesson), or the response to send instead. */
export async function stepLearner(slug: string, stepId: string, start: boolean): Promise<{ learnerId: string; step: Step } | { error: NextResponse }> {
  const learner = await lessonLearner(start);
  if ("error" in learner) return learner;
  const found = findStep(slug, stepId);
  if ("error" in found) return found;
  return { learnerId: learner.learnerId, step: found.step };
}

/** The lab of this request's learner, or the 401 to send. */
export async function learnerLab(slug: string): Promise<{ access: LabAccess } | { error: NextResponse }> {
  const learner = await lessonLearner(false);
  if ("error" in learner) return learner;
  return { access: labAccess(learner.learnerId, slug) };
}
