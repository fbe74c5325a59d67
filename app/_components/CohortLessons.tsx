import Link from "next/link";
import { isGraded } from "@dockyard/contract/server";
import { formatDay, isoDay } from "@/app/_lib/dates";
import { catalog } from "@/app/_lib/lessons";
import { completedSteps } from "@/app/_lib/progress";

/**
 * A cohort's lessons in course order, each with its due date and, for a learner, how many of its steps they did.
 * Embedded in an LMS's frame (app/embed/courses), each opens its embedded page, the lessons the LMS course assigned
 * come first and are marked so, and no due date is shown (the LMS keeps the course's).
 */
export async function CohortLessons({
  lessons,
  learnerId,
  embedded,
}: {
  lessons: { slug: string; dueAt: Date }[];
  learnerId?: string;
  embedded?: { assigned: ReadonlySet<string> };
}) {
  const due = new Map(lessons.map((l) => [l.slug, l.dueAt]));
  // A lesson removed from the course since the cohort was made is left out.
  const inCourse = catalog().lessons.filter((l) => due.has(l.slug));
  const assigned = embedded?.assigned;
  const chosen = assigned ? [...inCourse.filter((l) => assigned.has(l.slug)), ...inCourse.filter((l) => !assigned.has(l.slug))] : inCourse;
  const done = learnerId ? await completedSteps(learnerId) : undefined;
  return (
    <ul className="mt-3 space-y-2" data-testid="cohort-lessons">
      {chosen.map((lesson) => {
        const graded = new Set(lesson.steps.filter(isGraded).map((s) => s.id));
        const doneHere = done?.filter((d) => d.lessonSlug === lesson.slug && graded.has(d.stepId)).length;
        return (
          <li key={lesson.slug} className="flex flex-wrap items-baseline justify-between gap-2 rounded border border-slate-200 bg-white px-4 py-3">
            <span>
              <Link href={`${embedded ? "/embed" : ""}/lessons/${lesson.slug}`} className="font-medium text-sky-700 underline">
                {lesson.title}
              </Link>
              {assigned?.has(lesson.slug) && <span className="ml-2 rounded bg-sky-100 px-1.5 py-0.5 text-xs text-sky-800">assigned</span>}
            </span>
            <span className="text-sm text-slate-600" data-testid="cohort-lesson-progress">
              {doneHere !== undefined && `${doneHere} of ${graded.size} steps done`}
              {doneHere !== undefined && !embedded && " · "}
              {!embedded && (
                <>
                  due <time dateTime={isoDay(due.get(lesson.slug)!)}>{formatDay(due.get(lesson.slug)!)}</time>
                </>
              )}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
