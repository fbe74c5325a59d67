import { NextResponse } from "next/server";
import { lessonBySlug } from "@/app/_lib/lessons";
import { labAccess, removeLab, startLab } from "@/app/_lib/runner";
import { apiError, fromRunnerError, lessonLearner } from "@/app/_lib/api";

// POST: start (or find) the learner's sandbox for this lesson and hand the browser a fresh terminal token.
// DELETE: throw the sandbox away (a fresh one starts on the next POST).

async function lessonOr404(slug: string) {
  const found = lessonBySlug(slug);
  if (!found) return apiError(404, "unknown_lesson", `There is no lesson “${slug}”.`);
  if ("error" in found) return apiError(422, "broken_lesson", found.error.message);
  return null;
}

export async function POST(_req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const refused = await lessonOr404(slug);
  if (refused) return refused;
  const learner = await lessonLearner(true);
  if ("error" in learner) return learner.error;
  const access = labAccess(learner.learnerId, slug);
  try {
    await startLab(access);
  } catch (e) {
    return fromRunnerError(e);
  }
  return NextResponse.json(access);
}

export async function DELETE(_req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const refused = await lessonOr404(slug);
  if (refused) return refused;
  const learner = await lessonLearner(true);
  if ("error" in learner) return learner.error;
  try {
    return NextResponse.json(await removeLab(labAccess(learner.learnerId, slug)));
  } catch (e) {
    return fromRunnerError(e);
  }
}
