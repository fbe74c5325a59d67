import Link from "next/link";
import { mayCreateCohort, mayListCohorts } from "@/app/_lib/access";
import { cohortsManagedBy, cohortsOfMember } from "@/app/_lib/cohorts";
import { formatDay } from "@/app/_lib/dates";
import { enforce } from "@/app/_lib/guard";
import { currentViewer } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

// The signed-in account's cohorts: those it teaches (with how many are in each), grades, and is a student in.

export default async function CohortsPage() {
  const viewer = await currentViewer();
  enforce(mayListCohorts(viewer));
  const account = viewer.account!;
  const teaches = mayCreateCohort(viewer).allowed;
  const managed = teaches ? await cohortsManagedBy(account) : [];
  const memberships = await cohortsOfMember(account.id);
  const grading = memberships.filter((c) => c.membership === "grader");
  const studying = memberships.filter((c) => c.membership === "student");
  return (
    <div className="mx-auto max-w-4xl px-4 py-8">
      <h1 className="text-3xl font-bold">Cohorts</h1>
      {teaches && (
        <section aria-labelledby="teaching" className="mt-8">
          <div className="flex items-center justify-between">
            <h2 id="teaching" className="text-xl font-semibold">
              {account.role === "admin" ? "All cohorts" : "Cohorts you teach"}
            </h2>
            <Link
              href="/cohorts/new"
              className="rounded bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
            >
              Create a cohort
            </Link>
          </div>
          {managed.length === 0 ? (
            <p className="mt-3 text-slate-600">None yet: create one, then share its invite link with your students.</p>
          ) : (
            <table className="mt-3 w-full border-collapse text-left text-sm" data-testid="managed-cohorts">
              <thead className="border-b border-slate-300 text-slate-600">
                <tr>
                  <th className="py-2">Cohort</th>
                  <th>Due</th>
                  <th>Lessons</th>
                  <th>Students</th>
                  <th>Graders</th>
                </tr>
              </thead>
              <tbody>
                {managed.map((c) => (
                  <tr key={c.id} className="border-b border-slate-200">
                    <td className="py-2">
                      <Link href={`/cohorts/${c.id}`} className="text-sky-700 underline">
                        {c.name}
                      </Link>
                    </td>
                    <td>{formatDay(c.dueAt)}</td>
                    <td>{c.lessons}</td>
                    <td>{c.students}</td>
                    <td>{c.graders}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
      <CohortLinks title="Cohorts you grade" cohorts={grading} />
      <CohortLinks title="Cohorts you are in" cohorts={studying} />
      {!teaches && memberships.length === 0 && (
        <p className="mt-6 text-slate-600">You are in no cohort yet. Your instructor gives you an invite link to join one.</p>
      )}
    </div>
  );
}

function CohortLinks({ title, cohorts }: { title: string; cohorts: { id: string; name: string; dueAt: Date }[] }) {
  if (cohorts.length === 0) return null;
  return (
    <section aria-label={title} className="mt-8">
      <h2 className="text-xl font-semibold">{title}</h2>
      <ul className="mt-3 space-y-2">
        {cohorts.map((c) => (
          <li key={c.id}>
            <Link href={`/cohorts/${c.id}`} className="text-sky-700 underline">
              {c.name}
            </Link>{" "}
            <span className="text-sm text-slate-500">due {formatDay(c.dueAt)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
