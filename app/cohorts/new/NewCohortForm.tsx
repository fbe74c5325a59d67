"use client";

import { ActionForm, errorId, FieldError, TextField, useSubmitted } from "@/app/_components/ActionForm";
import { cohortLessonDueField, cohortLessonField, type FormAction } from "@/app/_lib/forms";

/** The cohort's name and due date, then each catalog lesson: chosen or not, and an optional due date of its own. */
export function NewCohortForm({ action, lessons }: { action: FormAction; lessons: { slug: string; title: string }[] }) {
  return (
    <ActionForm action={action} submit="Create the cohort" label="New cohort" className="space-y-6">
      <TextField name="name" label="Name" hint="Your students see it, e.g. “Docker basics, spring term”." />
      <TextField name="dueOn" label="Due date" type="date" hint="When the lessons are due, unless you give a lesson a date of its own below." />
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">Lessons</legend>
        <ul className="mt-2 divide-y divide-slate-100 rounded border border-slate-200">
          {lessons.map((lesson) => (
            <LessonChoice key={lesson.slug} {...lesson} />
          ))}
        </ul>
      </fieldset>
    </ActionForm>
  );
}

function LessonChoice({ slug, title }: { slug: string; title: string }) {
  const chosen = useSubmitted(cohortLessonField(slug));
  const dueName = cohortLessonDueField(slug);
  const due = useSubmitted(dueName);
  const checkboxId = `choose-${slug}`;
  return (
    <li className="flex flex-wrap items-center justify-between gap-3 px-3 py-2">
      <label htmlFor={checkboxId} className="flex items-center gap-2 text-sm">
        <input id={checkboxId} name={cohortLessonField(slug)} type="checkbox" defaultChecked={chosen.value === "on"} />
        {title}
      </label>
      <div className="text-sm">
        <label htmlFor={dueName} className="mr-2 text-slate-600">
          Own due date<span className="sr-only"> of {title}</span> (optional)
        </label>
        <input
          id={dueName}
          name={dueName}
          type="date"
          defaultValue={due.value}
          aria-invalid={due.error ? true : undefined}
          aria-describedby={due.error ? errorId(dueName) : undefined}
          className="rounded border border-slate-300 px-2 py-1 aria-[invalid=true]:border-red-500"
        />
        <FieldError name={dueName} error={due.error} />
      </div>
    </li>
  );
}
