import { NextResponse } from "next/server";
import { withLearnerLab } from "@/app/_lib/api";
import { suspendLab } from "@/app/_lib/runner";

// POST: stop the learner's lab keeping everything in it ("Stop lab"); the next start resumes it where it was.

export const POST = withLearnerLab(async (_req, { access }) => NextResponse.json(await suspendLab(access)), { lesson: "startable", start: true });
