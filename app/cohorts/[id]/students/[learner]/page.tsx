import Link from "next/link";
import { cohortGrades } from "@/app/_lib/grading";
import { formatDay, formatDuration, formatMoment } from "@/app/_lib/dates";
import { enforceReview, reviewOf } from "@/app/_lib/review";
import { checksSummary } from "@/app/_lib/gradesView";
import { COMMANDS_NOTE, type Attempt, type LessonReport, type StepReport } from "@/app/_lib/evidence";
import type { RecordedOrigin } from "@/app/_lib/checkOrigins";

export const dynamic = "force-dynamic";

// One student's evidence in a cohort, lesson by lesson and step by step: every check with its result, time and
// who asked for it (the student, or the page by itself after a command: counted apart, see evidence.ts), the
// help they took, the time they spent and the commands they ran (with a note that says where those come from and
// that the checks are the authority); each lesson's terminal recording (opened at any check) and a live view of it.
// For those who grade the cohort.

type Params = { params: Promise<{ id: string; learner: string }> };

export default async function StudentPage({ params }: Params) {
  const { id, learner } = await params;
  const review = await reviewOf(id, learner);
  enforceReview(review);
  const grades = await cohortGrades(review.cohort, learner);
  const student = grades.students[0]!;
  const base = `/cohorts/${id}/students/${learner}`;
  return (
    <div className="mx-auto max-w-5xl px-4 py-8">
      <Link className="text-sm text-sky-700 underline" href={`/cohorts/${id}/grades`}>
        Back to the grades of {grades.cohort.name}
      </Link>
      <h1 className="mt-2 text-3xl font-bold" data-testid="student-email">
        {student.email}
      </h1>
      <p className="mt-2 max-w-3xl text-sm text-slate-600" data-testid="origin-legend">
        <strong>Asked</strong>: checks the student asked for with “Check my work”, and quiz answers: these are their attempts. <strong>Automatic</strong>:
        checks the lesson page ran by itself a moment after a command, counted apart and never as failed attempts.
      </p>
      {student.lessons.map((lesson) => (
        <LessonSection key={lesson.slug} lesson={lesson} replay={`${base}/replay/${lesson.slug}`} />
      ))}
    </div>
  );
}

function LessonSection({ lesson, replay }: { lesson: LessonReport; replay: string }) {
  return (
    <section id={lesson.slug} aria-labelledby={`${lesson.slug}-title`} className="mt-10" data-testid={`lesson-${lesson.slug}`}>
      <h2 id={`${lesson.slug}-title`} className="text-xl font-semibold">
        {lesson.title}
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        {lesson.passedSteps} of {lesson.gradedSteps} graded steps passed · {checksSummary(lesson.counts)}
        {lesson.completedAt && ` · complete ${formatMoment(lesson.completedAt)}`}
        {lesson.dueAt && ` · due ${formatDay(lesson.dueAt)}`}
        {lesson.late && <span className="ml-2 rounded bg-rose-100 px-1 text-xs text-rose-800">late</span>}
      </p>
      <p className="mt-1 flex gap-4 text-sm">
        <Link className="text-sky-700 underline" href={replay}>
          Replay the terminal
        </Link>
        <Link className="text-sky-700 underline" href={`${replay}?live=1#live`}>
          Watch live
        </Link>
      </p>
      <ol className="mt-4 space-y-3">
        {lesson.steps.map((step) => (
          <StepItem key={step.stepId} step={step} replay={replay} noteId={`${lesson.slug}-${step.stepId}-commands-note`} />
        ))}
      </ol>
    </section>
  );
}

const STATUS_TONE = { passed: "bg-emerald-100 text-emerald-900", attempted: "bg-amber-100 text-amber-900", "not started": "bg-slate-100 text-slate-600" };

const ORIGIN_LABEL: Record<RecordedOrigin, string> = { asked: "Asked", automatic: "Automatic", unknown: "Asked or automatic (not recorded)" };

function StepItem({ step, replay, noteId }: { step: StepReport; replay: string; noteId: string }) {
  const facts = [
    checksSummary(step.counts, step.quiz),
    `${step.hintsUsed} hint${step.hintsUsed === 1 ? "" : "s"}`,
    step.solutionShown ? "solution shown" : "no solution",
    step.secondsSpent !== undefined ? `${formatDuration(step.secondsSpent)} spent` : undefined,
    `${step.commands.length} command${step.commands.length === 1 ? "" : "s"}`,
  ].filter(Boolean);
  return (
    <li className="rounded border border-slate-200 bg-white p-4" data-testid={`step-${step.stepId}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="font-medium">{step.title}</h3>
        <span className={`rounded px-2 py-0.5 text-xs ${STATUS_TONE[step.status]}`} data-testid="step-status">
          {step.graded ? step.status : "not graded"}
          {step.completedAt && ` ${formatMoment(step.completedAt)}`}
        </span>
      </div>
      <p className="mt-1 text-sm text-slate-600" data-testid="step-facts">
        {facts.join(" · ")}
      </p>
      {step.attempts.length > 0 && (
        <details className="mt-2">
          <summary className="cursor-pointer text-sm text-sky-700">Checks</summary>
          <ol className="mt-2 space-y-2">
            {step.attempts.map((attempt, i) => (
              <AttemptItem
                key={i}
                attempt={attempt}
                replay={step.quiz ? undefined : `${replay}?${new URLSearchParams({ check: step.stepId, attempt: String(i + 1) })}`}
              />
            ))}
          </ol>
        </details>
      )}
      {step.commands.length > 0 && (
        <details className="mt-2">
          <summary className="cursor-pointer text-sm text-sky-700">Commands</summary>
          <p id={noteId} className="mt-2 rounded bg-amber-50 p-2 text-xs text-amber-900" data-testid="commands-note">
            {COMMANDS_NOTE}
          </p>
          <ol className="mt-2 space-y-1 font-mono text-xs" data-testid="commands" aria-describedby={noteId}>
            {step.commands.map((c) => (
              <li key={`${c.at}${c.command}`} className="whitespace-pre-wrap break-all">
                <span className="text-slate-500">{formatMoment(new Date(c.at))}</span>{" "}
                <span className={c.exitCode === 0 ? "" : "text-rose-700"}>$ {c.command}</span>
                {c.exitCode !== 0 && <span className="text-rose-700"> (exit {c.exitCode})</span>}
              </li>
            ))}
          </ol>
        </details>
      )}
    </li>
  );
}

function AttemptItem({ attempt, replay }: { attempt: Attempt; replay?: string }) {
  return (
    <li className="rounded bg-slate-50 p-2 text-sm" data-testid="attempt" data-passed={attempt.passed} data-origin={attempt.origin}>
      <div className="flex flex-wrap items-baseline gap-2">
        <span className={attempt.passed ? "font-medium text-emerald-800" : "font-medium text-rose-800"}>{attempt.passed ? "Passed" : "Failed"}</span>
        <span
          className={`rounded px-1.5 text-xs ${attempt.origin === "asked" ? "bg-sky-100 text-sky-900" : "bg-slate-200 text-slate-700"}`}
          data-testid="attempt-origin"
        >
          {ORIGIN_LABEL[attempt.origin]}
        </span>
        <span className="text-slate-500">{formatMoment(attempt.at)}</span>
        <span>{attempt.result.message}</span>
        {replay && (
          <Link className="text-sky-700 underline" href={replay}>
            Replay at this check
          </Link>
        )}
      </div>
      {attempt.result.criteria.length > 0 && (
        <ul className="mt-1 space-y-0.5 text-xs">
          {attempt.result.criteria.map((c, i) => (
            <li key={i}>
              {c.passed ? "✓" : "✗"} {c.name}: {c.message}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
