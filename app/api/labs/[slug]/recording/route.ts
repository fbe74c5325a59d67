import { NextResponse } from "next/server";
import { lessonBySlug } from "@/app/_lib/lessons";
import { apiError, fromRunnerError, lessonLearner } from "@/app/_lib/api";
import { recordingFile, recordingListing } from "@/app/_lib/recordings";
import { sandboxIdFor } from "@/lab-runner/src/shared/ids";

// The learner's own terminal recordings of this lesson's lab (graders will reach others' once roles say whose):
//   GET               the listing: { sandbox, lesson, recordings: [{ node, bytes, updatedAt }] }
//   GET ?node=node1   that node's recording, an asciicast v2 file

export async function GET(req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  if (!lessonBySlug(slug)) return apiError(404, "unknown_lesson", `There is no lesson “${slug}”.`);
  const learner = await lessonLearner(false);
  if ("error" in learner) return learner.error;
  const lab = { sandbox: sandboxIdFor(learner.learnerId, slug), lesson: slug };
  const node = new URL(req.url).searchParams.get("node");
  try {
    return node === null ? NextResponse.json(await recordingListing(lab)) : await recordingFile(lab, node);
  } catch (e) {
    return fromRunnerError(e);
  }
}
