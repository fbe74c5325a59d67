"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { LiveView } from "@/app/_components/LiveView";
import { usePolled } from "@/app/_components/usePolled";
import type { ClassStatus, ClassStudent, StudentPosition } from "@/app/_lib/classView";

// The class, live: polls the cohort's class every few seconds and shows each student's step, last check and
// minutes on it, stuck students first and flagged; "Watch live" opens a student's terminal read-only below the
// table (Escape or Close ends it). Times are in the viewer's own clock.

const POLL_MS = 3000;

const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const short = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

type Watching = { learnerId: string; email: string; lessonSlug: string; lessonTitle: string };

export function ClassView({ cohortId }: { cohortId: string }) {
  const { data: status, problem } = usePolled<ClassStatus>(`/api/cohorts/${cohortId}/class`, "The class", POLL_MS);
  const [watching, setWatching] = useState<Watching>();
  const liveHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (!watching) return;
    liveHeading.current?.focus();
    const close = (e: KeyboardEvent) => e.key === "Escape" && setWatching(undefined);
    window.addEventListener("keydown", close);
    return () => window.removeEventListener("keydown", close);
  }, [watching]);

  if (!status) return <p className="mt-6 text-slate-600">{problem ?? "Loading the class…"}</p>;
  const started = status.students.filter((s) => s.position);
  const stuck = started.filter((s) => s.position!.stuck).length;
  return (
    <>
      <p className="mt-2 text-sm text-slate-600" data-testid="class-summary">
        {status.students.length} student{status.students.length === 1 ? "" : "s"} · {started.length} in a lesson ·{" "}
        <strong className={stuck ? "text-rose-800" : ""}>{stuck} stuck</strong> (a step not passed after {status.rule.failedChecks} failed checks, or{" "}
        {status.rule.minutes} min on it) · updated <time dateTime={status.at}>{clock(status.at)}</time>
        {problem && (
          <span role="alert" className="ml-2 text-amber-800">
            {problem}
          </span>
        )}
      </p>
      {status.students.length === 0 ? (
        <p className="mt-8 text-slate-600" data-testid="class-empty">
          No student has joined yet: share the invite link on the cohort&apos;s page.
        </p>
      ) : (
        <>
          {started.length === 0 && (
            <p className="mt-6 rounded border border-slate-200 bg-white p-3 text-slate-700" data-testid="class-empty">
              No students have opened a lesson yet. They appear here as soon as one does.
            </p>
          )}
          <table className="mt-4 w-full table-fixed border-collapse text-left text-sm" data-testid="class-table">
            <caption className="sr-only">Each student&apos;s current lesson and step, last check and time on the step; stuck students first</caption>
            <colgroup>
              <col className="w-[23rem]" />
              <col className="w-40" />
              <col />
              <col className="w-72" />
              <col className="w-16" />
              <col className="w-44" />
              <col className="w-28" />
            </colgroup>
            <thead className="text-slate-700">
              <tr className="border-b border-slate-300">
                {["Student", "Lesson", "Step", "Last check", "Failed", "On this step"].map((label) => (
                  <th key={label} scope="col" className="px-2 py-1" title={label === "Failed" ? "Failed attempts at this step (checks asked for)" : undefined}>
                    {label}
                  </th>
                ))}
                <th scope="col" className="px-2 py-1">
                  <span className="sr-only">Live terminal</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {status.students.map((student) => (
                <Row key={student.learnerId} cohortId={cohortId} student={student} watching={watching?.learnerId === student.learnerId} onWatch={setWatching} />
              ))}
            </tbody>
          </table>
        </>
      )}
      {watching && (
        <section aria-labelledby="live-title" className="mt-6" data-testid="class-live">
          <div className="mb-2 flex flex-wrap items-baseline gap-x-4 gap-y-1">
            <h2 id="live-title" ref={liveHeading} tabIndex={-1} className="text-lg font-semibold focus:outline-none">
              Live: {watching.email} · {watching.lessonTitle}
            </h2>
            <Link
              className="text-sm text-sky-700 underline"
              href={`/cohorts/${cohortId}/students/${watching.learnerId}/replay/${watching.lessonSlug}?live=1#live`}
            >
              Open with the replay and other nodes
            </Link>
            <button
              type="button"
              onClick={() => setWatching(undefined)}
              className="rounded border border-slate-300 bg-white px-2 py-0.5 text-sm hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-sky-400"
            >
              Close (Esc)
            </button>
          </div>
          <LiveView
            key={`${watching.learnerId}/${watching.lessonSlug}`}
            accessUrl={`/api/cohorts/${cohortId}/students/${watching.learnerId}/labs/${watching.lessonSlug}/watch?node=node1`}
          />
        </section>
      )}
    </>
  );
}

function Row({ cohortId, student, watching, onWatch }: { cohortId: string; student: ClassStudent; watching: boolean; onWatch: (w: Watching) => void }) {
  const p = student.position;
  const cell = "truncate px-2 py-1";
  return (
    <tr
      className={`border-b border-slate-200 ${p?.stuck ? "bg-rose-50 shadow-[inset_4px_0_0_0_#be123c]" : ""}`}
      data-testid="class-row"
      data-stuck={p?.stuck ?? "no"}
    >
      <th scope="row" className="px-2 py-1 font-normal">
        <span className="flex items-center gap-2">
          <Link className="truncate text-sky-700 underline" title={student.email} href={`/cohorts/${cohortId}/students/${student.learnerId}`}>
            {student.email}
          </Link>
          {p?.stuck && <Stuck position={p} />}
        </span>
      </th>
      {p ? (
        <>
          <td className={cell} data-testid="class-lesson" title={p.lessonTitle}>
            {p.lessonTitle}
          </td>
          <td className={cell} data-testid="class-step" data-step={p.stepId} title={`Step ${p.stepNumber} of ${p.steps}: ${p.stepTitle}`}>
            <span className="text-slate-500 tabular-nums">
              {p.stepNumber}/{p.steps}
            </span>{" "}
            {p.passed && <span className="text-emerald-800">✓ </span>}
            {p.stepTitle}
          </td>
          <td className={cell} data-testid="class-check" title={p.lastCheck?.message}>
            <LastCheck check={p.lastCheck} />
          </td>
          <td className={`${cell} tabular-nums`} data-testid="class-failed">
            {p.failedChecks}
          </td>
          <td className={`${cell} tabular-nums`} data-testid="class-minutes">
            {p.minutesOnStep} min{" "}
            <span className="text-xs text-slate-500">
              {p.away ? (
                <>
                  away since <time dateTime={p.seenAt}>{short(p.seenAt)}</time>
                </>
              ) : (
                <>
                  since <time dateTime={p.since}>{short(p.since)}</time>
                </>
              )}
            </span>
          </td>
          <td className="px-2 py-1">
            <button
              type="button"
              aria-pressed={watching}
              onClick={() => onWatch({ learnerId: student.learnerId, email: student.email, lessonSlug: p.lessonSlug, lessonTitle: p.lessonTitle })}
              className="rounded bg-sky-600 px-2 py-0.5 text-sm font-medium whitespace-nowrap text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
            >
              Watch live<span className="sr-only"> {student.email}</span>
            </button>
          </td>
        </>
      ) : (
        <td colSpan={6} className="px-2 py-1 text-slate-500">
          Has not opened a lesson of this cohort yet
        </td>
      )}
    </tr>
  );
}

/** The flag: a shape and words, not a colour alone. */
function Stuck({ position }: { position: StudentPosition }) {
  const why = position.stuck === "failed_checks" ? `${position.failedChecks} failed checks` : `${position.minutesOnStep} min`;
  return (
    <span className="flex shrink-0 items-center gap-1 rounded bg-rose-700 px-1.5 text-xs font-semibold whitespace-nowrap text-white" data-testid="stuck-flag">
      <span aria-hidden="true">⚠</span> Stuck: {why}
    </span>
  );
}

function LastCheck({ check }: { check: StudentPosition["lastCheck"] }) {
  if (!check) return <span className="text-slate-500">No check yet</span>;
  return (
    <>
      <span className={check.passed ? "font-medium text-emerald-800" : "font-medium text-rose-800"}>{check.passed ? "✓ Passed" : "✗ Failed"}</span>{" "}
      <span className="text-slate-500">
        {check.origin === "automatic" ? "automatic" : "asked"} <time dateTime={check.at}>{short(check.at)}</time>
      </span>{" "}
      <span className="text-xs text-slate-600">{check.message}</span>
    </>
  );
}
