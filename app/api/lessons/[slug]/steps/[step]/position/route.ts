import { NextResponse } from "next/server";
import { apiRoute, stepLearner } from "@/app/_lib/api";
import { recordPosition } from "@/app/_lib/positions";

// The lesson page says which step the learner works on: when it changes, and every minute while the page is
// open. The instructor's class view shows it (app/_lib/positions.ts).

export const POST = apiRoute(async (_req: Request, { params }: { params: Promise<{ slug: string; step: string }> }) => {
  const { slug, step: stepId } = await params;
  const found = await stepLearner(slug, stepId, false);
  if ("error" in found) return found.error;
  await recordPosition(found.learnerId, slug, stepId);
  return NextResponse.json({ recorded: true });
});
