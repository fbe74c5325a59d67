import { NextResponse } from "next/server";
import { removeLab, startLab } from "@/app/_lib/runner";
import { withLearnerLab } from "@/app/_lib/api";
import { recordLabStarted } from "@/app/_lib/progress";

// POST: start (or find) the learner's sandbox for this lesson and hand the browser a fresh terminal token; webhooks
// hear of a lab this started (lab.started), not of one that was running.
// DELETE: throw the sandbox away with everything in it, "Reset lab" (a fresh one starts on the next POST; suspend/
// stops it keeping everything instead).

export const POST = withLearnerLab(
  async (_req, { learnerId, access, params: { slug } }) => {
    if ((await startLab(access)).started) await recordLabStarted(learnerId, slug);
    return NextResponse.json(access);
  },
  { lesson: "startable", start: true },
);

export const DELETE = withLearnerLab(async (_req, { access }) => NextResponse.json(await removeLab(access)), { lesson: "startable", start: true });
