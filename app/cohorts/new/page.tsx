import { createCohortAction } from "@/app/_actions/cohorts";
import { mayCreateCohort } from "@/app/_lib/access";
import { enforce } from "@/app/_lib/guard";
import { catalog } from "@/app/_lib/lessons";
import { currentViewer } from "@/app/_lib/session";
import { NewCohortForm } from "./NewCohortForm";

export const dynamic = "force-dynamic";

export default async function NewCohortPage() {
  enforce(mayCreateCohort(await currentViewer()));
  const lessons = catalog().lessons.map((l) => ({ slug: l.slug, title: l.title }));
  return (
    <div className="mx-auto max-w-3xl px-4 py-8">
      <h1 className="text-3xl font-bold">Create a cohort</h1>
      <p className="mt-2 text-slate-600">Choose the lessons your students take and when they are due. You then get an invite link to give them.</p>
      <div className="mt-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <NewCohortForm action={createCohortAction} lessons={lessons} />
      </div>
    </div>
  );
}
