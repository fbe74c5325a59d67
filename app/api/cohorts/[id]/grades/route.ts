import { NextResponse } from "next/server";
import { apiError, apiRoute } from "@/app/_lib/api";
import { cohortGrades } from "@/app/_lib/grading";
import { exportFileName, gradesCsv, gradesJson } from "@/app/_lib/gradeExport";
import { gradingOf, reviewRefusal } from "@/app/_lib/review";

// GET ?format=csv|json: the cohort's grades as a download, for those who grade it. CSV has one row per
// student per step; JSON has every attempt's structured result as well.

export const GET = apiRoute(async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  const format = new URL(req.url).searchParams.get("format") ?? "json";
  if (format !== "csv" && format !== "json") return apiError("bad_format", `format: “csv” or “json”, not “${format}”.`);
  const grading = await gradingOf(id);
  if (!grading.allowed) return reviewRefusal(grading);
  const grades = await cohortGrades(grading.cohort);
  const headers = { "cache-control": "no-store", "content-disposition": `attachment; filename="${exportFileName(grades, format)}"` };
  if (format === "json") return NextResponse.json(gradesJson(grades), { headers });
  return new Response(gradesCsv(grades), { headers: { ...headers, "content-type": "text/csv; charset=utf-8" } });
});
