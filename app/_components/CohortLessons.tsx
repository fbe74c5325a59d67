import Link from "next/link";
import { isGraded } from "@dockyard/contract/server";
import { formatDay, isoDay } from "@/app/_lib/dates";
import { catalog } from "@/app/_lib/lessons";
import { completedSteps } from "@/app/_lib/progress";

/** A cohort's lessons in course order, each with its due date and, for a learner, how many of its steps they did. */
export async function CohortLessons({ lessons, learnerId }: { lessons: { slug: string; dueAt: Date }[]; learnerId?: string }) {
  const due = new Map(lessons.map((l) => [l.slug, l.dueAt]));
  // A lesson removed from the course since the cohort was made is left out.
  const chosen = catalog().lessons.filter((l) => due.has(l.slug));
  const done = learnerId ? await completedSteps(learnerId) : undefined;
  return (
    <ul className="mt-3 space-y-2" data-testid="cohort-lessons">
      {chosen.map((lesson) => {
        const graded = new Set(lesson.steps.filter(isGraded).map((s) => s.id));
        const doneHere = done?.filter((d) => d.lessonSlug === lesson.slug && graded.has(d.stepId)).length;
        return (
          <li key={lesson.slug} className="flex flex-wrap items-baseline justify-between gap-2 rounded border border-slate-200 bg-white px-4 py-3">
            <Link href={`/lessons/${lesson.slug}`} className="font-medium text-sky-700 underline">
              {lesson.title}
            </Link>
            <span className="text-sm text-slate-600">
              {doneHere !== undefined && `${doneHere} of ${graded.size} steps done · `}
              due <time dateTime={isoDay(due.get(lesson.slug)!)}>{formatDay(due.get(lesson.slug)!)}</time>
            </span>
          </li>
        );
      })}
    </ul>
  );
}
