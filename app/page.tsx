import Link from "next/link";
import { catalog } from "./_lib/lessons";
import { currentViewer } from "./_lib/session";
import { completedSteps } from "./_lib/progress";
import { cohortsOfMember } from "./_lib/cohorts";
import { formatDay, isoDay } from "./_lib/dates";
import { lessonsDecision } from "./_lib/guard";
import { ProgressBar } from "./_components/ProgressBar";
import { CohortLessons } from "./_components/CohortLessons";
import { isGraded } from "@dockyard/contract/server";

export const dynamic = "force-dynamic";

export default async function CoursePage() {
  const { lessons, errors } = catalog();
  // Only steps that still exist and are graded count (an author may have renamed or removed one).
  const graded = new Map(lessons.map((l) => [l.slug, new Set(l.steps.filter(isGraded).map((s) => s.id))]));
  const { learnerId } = await currentViewer();
  const done = (await completedSteps(learnerId)).filter((d) => graded.get(d.lessonSlug)?.has(d.stepId));
  const cohorts = (await cohortsOfMember(learnerId)).filter((c) => c.membership === "student");
  const mayTry = (await lessonsDecision()).allowed;
  const doneIn = (slug: string) => done.filter((d) => d.lessonSlug === slug).length;
  const totalSteps = [...graded.values()].reduce((n, steps) => n + steps.size, 0);
  return (
    <div className="mx-auto max-w-4xl px-4 py-8">
      <h1 className="text-3xl font-bold">Docker, hands on</h1>
      <p className="mt-2 text-slate-600">
        Every lesson gives you a real Linux machine with Docker inside, right here in the browser. Do each step, and Dockyard checks what you did.
      </p>
      <div className="mt-6">
        <ProgressBar done={done.length} total={totalSteps} label="Your progress through the course" />
      </div>
      {!mayTry && (
        <p className="mt-6 rounded border border-sky-200 bg-sky-50 p-4 text-sky-900" data-testid="sign-in-to-try">
          <Link href="/signin" className="font-medium underline">
            Sign in
          </Link>{" "}
          or{" "}
          <Link href="/signup" className="font-medium underline">
            create an account
          </Link>{" "}
          to start the lessons.
        </p>
      )}
      {cohorts.map((cohort) => (
        <section
          key={cohort.id}
          aria-label={`Cohort ${cohort.name}`}
          className="mt-8 rounded-lg border border-sky-200 bg-sky-50/50 p-5"
          data-testid="my-cohort"
        >
          <h2 className="text-xl font-semibold">
            <Link href={`/cohorts/${cohort.id}`} className="hover:underline">
              {cohort.name}
            </Link>
          </h2>
          <p className="text-sm text-slate-600">
            Your cohort · due <time dateTime={isoDay(cohort.dueAt)}>{formatDay(cohort.dueAt)}</time>
          </p>
          <CohortLessons lessons={cohort.lessons} learnerId={learnerId} />
        </section>
      ))}
      {errors.length > 0 && (
        <section className="mt-6 rounded border border-amber-300 bg-amber-50 p-4 text-sm" aria-label="Lessons with errors">
          <h2 className="font-semibold text-amber-900">Some lessons could not be read (authors, see below)</h2>
          <ul className="mt-2 list-disc pl-5 font-mono text-amber-900">
            {errors.map((e) => (
              <li key={e.file}>{e.message}</li>
            ))}
          </ul>
        </section>
      )}
      <ol className="mt-8 space-y-4">
        {lessons.map((lesson, i) => (
          <li key={lesson.slug}>
            <Link
              href={`/lessons/${lesson.slug}`}
              className="block rounded-lg border border-slate-200 bg-white p-5 shadow-sm transition hover:border-sky-400 focus:outline-none focus:ring-2 focus:ring-sky-500"
            >
              <div className="flex items-baseline justify-between gap-4">
                <h2 className="text-xl font-semibold">
                  <span className="text-slate-400">{i + 1}.</span> {lesson.title}
                </h2>
                <span className="shrink-0 text-xs text-slate-500">
                  {lesson.level} · {lesson.minutes} min
                </span>
              </div>
              <p className="mt-1 text-slate-600">{lesson.summary}</p>
              <p className="mt-2 text-xs text-slate-500">
                {doneIn(lesson.slug)} of {graded.get(lesson.slug)!.size} steps done
              </p>
            </Link>
          </li>
        ))}
      </ol>
    </div>
  );
}
