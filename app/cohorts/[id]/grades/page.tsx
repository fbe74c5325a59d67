import Link from "next/link";
import { cohortGrades } from "@/app/_lib/grading";
import { formatDay, isoDay } from "@/app/_lib/dates";
import { enforceReview, gradingOf } from "@/app/_lib/review";
import { BANDS, bandOf, checksSummary, parseSort, progressOf, sameKey, sortParam, sortStudents, toggled, type Sort, type SortKey } from "@/app/_lib/gradesView";
import type { LessonReport } from "@/app/_lib/evidence";

export const dynamic = "force-dynamic";

// The cohort's grades: its students by its lessons, each cell the graded steps the student passed, coloured by
// that share (the figure stays in the cell; a legend names the bands), late ones marked. Headers sort the rows
// (by student, overall progress or a lesson) through ?sort=, so they are links that need no script. A student's
// name opens their evidence. For the cohort's graders, its instructor and admins.

type Props = { params: Promise<{ id: string }>; searchParams: Promise<{ sort?: string | string[] }> };

export default async function GradesPage({ params, searchParams }: Props) {
  const { id } = await params;
  const grading = await gradingOf(id);
  enforceReview(grading);
  const grades = await cohortGrades(grading.cohort);
  const sort = parseSort(
    (await searchParams).sort,
    grades.lessons.map((l) => l.slug),
  );
  const students = sortStudents(grades.students, sort);
  const exportLink = "rounded border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-sky-400";
  const header = (key: SortKey, label: React.ReactNode, className: string, title?: string) => (
    <SortHeader key={key.by === "lesson" ? key.slug : key.by} sort={sort} sortKey={key} href={`/cohorts/${id}/grades`} className={className} title={title}>
      {label}
    </SortHeader>
  );
  return (
    <div className="px-4 py-4">
      <Link className="text-sm text-sky-700 underline" href={`/cohorts/${id}`}>
        Back to {grades.cohort.name}
      </Link>
      <div className="mt-1 flex flex-wrap items-center gap-x-6 gap-y-2">
        <h1 className="text-2xl font-bold">Grades: {grades.cohort.name}</h1>
        <a className={exportLink} href={`/api/cohorts/${id}/grades?format=csv`} download>
          Export CSV
        </a>
        <a className={exportLink} href={`/api/cohorts/${id}/grades?format=json`} download>
          Export JSON
        </a>
        <span className="text-xs text-slate-600">CSV: one row per student per step. JSON: also every check&apos;s full result.</span>
      </div>
      {students.length === 0 ? (
        <p className="mt-8 text-slate-600">No student has joined yet: share the invite link on the cohort&apos;s page.</p>
      ) : (
        <>
          <Legend />
          <div className="mt-2 overflow-x-auto">
            <table className="w-full table-fixed border-collapse text-left text-xs" data-testid="grades-matrix">
              <caption className="sr-only">Graded steps passed, per student and lesson; the column headers sort the rows</caption>
              <colgroup>
                <col className="w-56" />
                <col className="w-16" />
              </colgroup>
              <thead className="text-slate-700">
                <tr className="border-b border-slate-300 align-bottom">
                  {header({ by: "student" }, "Student", "py-1 pr-2")}
                  {header({ by: "progress" }, "Progress", "px-1 py-1", "Graded steps passed over all of the cohort's lessons")}
                  {grades.lessons.map((l) =>
                    header(
                      { by: "lesson", slug: l.slug },
                      <>
                        <span className="line-clamp-3 text-[11px] leading-tight break-words">{l.title}</span>
                        <span className="block font-normal text-slate-500">
                          due <time dateTime={isoDay(l.dueAt)}>{shortDay(l.dueAt)}</time>
                        </span>
                      </>,
                      "px-1 py-1",
                      `${l.title}, due ${formatDay(l.dueAt)}`,
                    ),
                  )}
                </tr>
              </thead>
              <tbody>
                {students.map((s) => (
                  <tr key={s.learnerId} className="border-b border-slate-200" data-testid="grades-row">
                    <th scope="row" className="truncate py-px pr-2 font-normal">
                      <Link className="text-sky-700 underline" href={`/cohorts/${id}/students/${s.learnerId}`}>
                        {s.email}
                      </Link>
                    </th>
                    <td className="px-1 py-px tabular-nums" data-testid="progress">
                      {Math.round(progressOf(s.lessons) * 100)}%
                    </td>
                    {s.lessons.map((l) => (
                      <Cell key={l.slug} report={l} who={s.email} href={`/cohorts/${id}/students/${s.learnerId}#${l.slug}`} />
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}

const SHORT_DAY = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const shortDay = (date: Date) => SHORT_DAY.format(date);

/** A column header that sorts the rows: a link to the same page with ?sort=, its state in aria-sort. */
function SortHeader({
  sort,
  sortKey,
  href,
  className,
  title,
  children,
}: {
  sort: Sort;
  sortKey: SortKey;
  href: string;
  className: string;
  title?: string;
  children: React.ReactNode;
}) {
  const current = sameKey(sort.key, sortKey);
  const next = toggled(sort, sortKey);
  return (
    <th scope="col" className={className} aria-sort={current ? (sort.descending ? "descending" : "ascending") : "none"} title={title}>
      <Link
        href={`${href}?sort=${encodeURIComponent(sortParam(next))}`}
        className="block rounded hover:text-sky-800 hover:underline focus:outline-none focus:ring-2 focus:ring-sky-400"
        data-testid={`sort-${sortKey.by === "lesson" ? sortKey.slug : sortKey.by}`}
      >
        {children}
        <span aria-hidden="true" className="text-sky-700">
          {current ? (sort.descending ? " ▼" : " ▲") : ""}
        </span>
        <span className="sr-only">, sort {next.descending ? "descending" : "ascending"}</span>
      </Link>
    </th>
  );
}

function Legend() {
  return (
    <div className="mt-2 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-700" data-testid="grades-legend">
      <span>Graded steps passed:</span>
      {BANDS.map((band) => (
        <span key={band.id} className="flex items-center gap-1" data-band={band.id}>
          <span className={`inline-block h-3.5 w-5 rounded-sm border border-slate-300 ${band.className}`} aria-hidden="true" />
          {band.label}
        </span>
      ))}
      <span className="flex items-center gap-1">
        <Late /> late: past due and not complete, or completed after it
      </span>
      <span>In each cell: passed / graded steps, ✓ complete; hover for the checks asked and automatic.</span>
    </div>
  );
}

/** A round "!" (a shape, not a colour alone; its name is "late"): the word would not fit a cell of a 16-lesson matrix. */
const Late = () => (
  <span
    className="inline-flex h-3 w-3 items-center justify-center rounded-full bg-rose-700 align-[-1px] text-[9px] leading-none font-bold text-white"
    title="late"
  >
    <span aria-hidden="true">!</span>
    <span className="sr-only">late</span>
  </span>
);

function Cell({ report, who, href }: { report: LessonReport; who: string; href: string }) {
  const done = report.completedAt !== undefined;
  const band = bandOf(report.passedSteps, report.gradedSteps);
  const title = [
    `${who}, ${report.title}`,
    `${report.passedSteps} of ${report.gradedSteps} graded steps passed`,
    checksSummary(report.counts),
    ...(report.late ? ["late"] : []),
  ].join(" · ");
  return (
    <td
      className={`border border-slate-200 px-1 py-px tabular-nums ${band.className}`}
      data-testid={`cell-${report.slug}`}
      data-complete={done}
      data-band={band.id}
      data-late={report.late}
    >
      <Link href={href} className="block whitespace-nowrap hover:underline focus:outline-none focus:ring-2 focus:ring-sky-400" title={title}>
        {report.passedSteps} / {report.gradedSteps}
        {done && " ✓"}
        {report.late && (
          <>
            {" "}
            <Late />
          </>
        )}
      </Link>
    </td>
  );
}
