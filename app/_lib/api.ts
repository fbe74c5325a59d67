import { NextResponse } from "next/server";
import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import { Refusal, type Lesson, type RefusalCode, type Step } from "@dockyard/contract/server";
import { lessonBySlug } from "./lessons";
import { labAccess, type LabAccess } from "./runner";
import { currentViewer, ensureLearner } from "./session";
import { lessonsDecision } from "./guard";
import type { Decision } from "./access";

// The site API's answers: JSON errors { error: code, message: what to do } with the status REFUSALS gives the
// code, and the preambles routes share (the learner, their lab, the step a route names).

/** A refusal as the JSON error to send. */
export const refusalResponse = (refusal: Refusal) => NextResponse.json(refusal.body, { status: refusal.status });

/** The JSON error of a refusal told in the route's own words. */
export const apiError = (code: RefusalCode, message: string) => refusalResponse(new Refusal(code, message));

/**
 * The route's answer, or the JSON error of a Refusal it threw. Anything else thrown (a bug, a database that is
 * down) is logged with its stack here and answered as `internal`: the caller gets Dockyard's JSON error, never
 * Next's bare 500. Next's own control flow (notFound(), redirect()) goes on to Next.
 */
export async function answerRefusals(answer: () => Promise<Response>): Promise<Response> {
  try {
    return await answer();
  } catch (e) {
    unstable_rethrow(e);
    if (e instanceof Refusal) return refusalResponse(e);
    console.error(e);
    return refusalResponse(new Refusal("internal"));
  }
}

/** An API route handler whose every failure is answered as JSON (answerRefusals). */
export const apiRoute =
  <C>(handler: (req: Request, context: C) => Promise<Response>) =>
  (req: Request, context: C): Promise<Response> =>
    answerRefusals(() => handler(req, context));

const MAX_BODY_BYTES = 16 * 1024;

/** The request's JSON body checked against a schema (or `whenEmpty` for no body at all, if given), or the error response to send instead. */
export async function readBody<T, E = never>(req: Request, schema: z.ZodType<T>, whenEmpty?: E): Promise<{ body: T | E } | { error: NextResponse }> {
  const text = await req.text();
  if (text === "" && whenEmpty !== undefined) return { body: whenEmpty };
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return { error: apiError("too_large", `The request body is over ${MAX_BODY_BYTES} bytes.`) };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: apiError("bad_json", "The request body is not JSON.") };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { error: apiError("bad_request", parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")) };
  return { body: parsed.data };
}

/** The lesson a route names, refused when there is none. */
function knownLesson(slug: string): { lesson: Lesson } | { error: Error } {
  const found = lessonBySlug(slug);
  if (!found) throw new Refusal("unknown_lesson", `There is no lesson “${slug}”.`);
  return found;
}

/** The lesson a route names, refused when there is none or it has an error (its lab cannot start). */
function lessonOf(slug: string): Lesson {
  const found = knownLesson(slug);
  if ("error" in found) throw new Refusal("broken_lesson", found.error.message);
  return found.lesson;
}

/** The step a route names (only a step of the lesson), refused otherwise. */
export function stepOf(slug: string, stepId: string): Step {
  const step = lessonOf(slug).steps.find((s) => s.id === stepId);
  if (!step) throw new Refusal("unknown_step", `Lesson “${slug}” has no step “${stepId}”.`);
  return step;
}

/** The error response for a refused decision: sign_in_required asks the visitor to sign in, forbidden says this account may not. */
export const refusal = (decision: Extract<Decision, { allowed: false }>) => apiError(decision.code, decision.message);

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
  return { error: apiError("no_session", "Open the lesson first: your session starts with its sandbox.") };
}

/** The learner a step route acts for and the step it names (only a step of the lesson), or the response to send instead. */
export async function stepLearner(slug: string, stepId: string, start: boolean): Promise<{ learnerId: string; step: Step } | { error: NextResponse }> {
  const learner = await lessonLearner(start);
  if ("error" in learner) return learner;
  try {
    return { learnerId: learner.learnerId, step: stepOf(slug, stepId) };
  } catch (e) {
    if (e instanceof Refusal) return { error: refusalResponse(e) };
    throw e;
  }
}

/** What a lab route acts on: the learner, their lab of the route's lesson, and the route's params. */
export interface LearnerLab<P> {
  learnerId: string;
  access: LabAccess;
  params: P;
}

interface LabRoute {
  /** Whether this request may begin the learner's session (starting and stopping the lab may); else no session is a 401. */
  start?: boolean;
  /** Checked before anything else: "known" refuses an unknown lesson (404), "startable" a broken one too (422). */
  lesson?: "known" | "startable";
}

/**
 * A route of the learner's own lab (app/api/labs/[slug]/…): finds the learner and their lab, or answers the
 * refusal, then answers what `handler` returns, or the JSON error of a Refusal it throws.
 */
export function withLearnerLab<P extends { slug: string }>(handler: (req: Request, lab: LearnerLab<P>) => Promise<Response>, route: LabRoute = {}) {
  return async (req: Request, { params }: { params: Promise<P> }): Promise<Response> => {
    const p = await params;
    return answerRefusals(async () => {
      if (route.lesson === "known") knownLesson(p.slug);
      if (route.lesson === "startable") lessonOf(p.slug);
      const learner = await lessonLearner(route.start ?? false);
      if ("error" in learner) return learner.error;
      return handler(req, { learnerId: learner.learnerId, access: labAccess(learner.learnerId, p.slug), params: p });
    });
  };
}
