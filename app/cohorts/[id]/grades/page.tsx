import Link from "next/link";
import { cohortGrades } from "@/app/_lib/grading";
import { formatDay, isoDay } from "@/app/_lib/dates";
import { enforceReview, gradingOf } from "@/app/_lib/review";
import type { LessonReport } from "@/app/_lib/evidence";

export const dynamic = "force-dynamic";

// The cohort's grades: its students by its lessons, each cell how many graded steps the student passed; a
// student's name opens their evidence. For the cohort's graders, its instructor and admins.

export default async function GradesPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const grading = await gradingOf(id);
  enforceReview(grading);
  const grades = await cohortGrades(grading.cohort);
  const exportLink = "rounded border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-sky-400";
  return (
    <div className="mx-auto max-w-6xl px-4 py-8">
      <Link className="text-sm text-sky-700 underline" href={`/cohorts/${id}`}>
        Back to {grades.cohort.name}
      </Link>
      <h1 className="mt-2 text-3xl font-bold">Grades: {grades.cohort.name}</h1>
      <div className="mt-4 flex flex-wrap items-center gap-3">
        <a className={exportLink} href={`/api/cohorts/${id}/grades?format=csv`} download>
          Export CSV
        </a>
        <a className={exportLink} href={`/api/cohorts/${id}/grades?format=json`} download>
          Export JSON
        </a>
        <span className="text-sm text-slate-600">CSV: one row per student per step. JSON: also every check&apos;s full result.</span>
      </div>
      {grades.students.length === 0 ? (
        <p className="mt-8 text-slate-600">No student has joined yet: share the invite link on the cohort&apos;s page.</p>
      ) : (
        <div className="mt-6 overflow-x-auto">
          <table className="w-full border-collapse text-left text-sm" data-testid="grades-matrix">
            <caption className="sr-only">Graded steps passed, per student and lesson</caption>
            <thead className="border-b border-slate-300 text-slate-600">
              <tr>
                <th scope="col" className="py-2 pr-4">
                  Student
                </th>
                {grades.lessons.map((l) => (
                  <th key={l.slug} scope="col" className="px-2 py-2">
                    {l.title}
                    <div className="text-xs font-normal">
                      due <time dateTime={isoDay(l.dueAt)}>{formatDay(l.dueAt)}</time>
                    </div>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {grades.students.map((s) => (
                <tr key={s.learnerId} className="border-b border-slate-200">
                  <th scope="row" className="py-2 pr-4 font-normal">
                    <Link className="text-sky-700 underline" href={`/cohorts/${id}/students/${s.learnerId}`}>
                      {s.email}
                    </Link>
                  </th>
                  {s.lessons.map((l) => (
                    <Cell key={l.slug} report={l} href={`/cohorts/${id}/students/${s.learnerId}#${l.slug}`} />
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function Cell({ report, href }: { report: LessonReport; href: string }) {
  const done = report.completedAt !== undefined;
  const tone = done ? "bg-emerald-50 text-emerald-900" : report.passedSteps > 0 ? "bg-amber-50 text-amber-900" : "text-slate-500";
  return (
    <td className={`px-2 py-2 ${tone}`} data-testid={`cell-${report.slug}`} data-complete={done}>
      <Link href={href} className="hover:underline">
        {report.passedSteps} / {report.gradedSteps}
        {done && " ✓"}
        {report.late && <span className="ml-1 rounded bg-rose-100 px-1 text-xs text-rose-800">late</span>}
      </Link>
    </td>
  );
}
