import { NextResponse } from "next/server";
import { cohortClass } from "@/app/_lib/positions";
import { reviewRefusal, teachingOf } from "@/app/_lib/review";
import { apiRoute } from "@/app/_lib/api";

// GET: the cohort's class now (ClassStatus): each student's lesson and step, since when, their last check, and
// whether they look stuck. The class view polls it. For the cohort's instructor and admins.

export const GET = apiRoute(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  const teaching = await teachingOf(id);
  if (!teaching.allowed) return reviewRefusal(teaching);
  return NextResponse.json(await cohortClass(teaching.cohort), { headers: { "cache-control": "no-store" } });
});
