import { NextResponse } from "next/server";
import { lessonBySlug } from "@/app/_lib/lessons";
import { apiError, lessonLearner } from "@/app/_lib/api";
import { watchUrl } from "@/app/_lib/recordings";
import { sandboxIdFor } from "@/lab-runner/src/shared/ids";
import { DEFAULT_NODE } from "@/lab-runner/src/shared/types";

// POST ?node=node1: where the learner opens a read-only live view of their own terminal, { url } (graders
// will get one for their students' once roles say whose).

export async function POST(req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  if (!lessonBySlug(slug)) return apiError(404, "unknown_lesson", `There is no lesson “${slug}”.`);
  const learner = await lessonLearner(false);
  if ("error" in learner) return learner.error;
  const node = new URL(req.url).searchParams.get("node") ?? DEFAULT_NODE;
  return NextResponse.json({ url: watchUrl({ sandbox: sandboxIdFor(learner.learnerId, slug), lesson: slug }, node) });
}
