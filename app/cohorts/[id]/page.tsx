import { notFound } from "next/navigation";
import { addGraderAction, renewInviteAction } from "@/app/_actions/cohorts";
import { ActionForm, TextField } from "@/app/_components/ActionForm";
import { CohortLessons } from "@/app/_components/CohortLessons";
import { NewWebhookForm, WebhookEndpoints } from "@/app/_components/WebhookEndpoints";
import Link from "next/link";
import { mayGradeCohort, mayListCohorts, mayManageCohort, mayManageWebhooks, maySeeRoster, mayViewCohort } from "@/app/_lib/access";
import { cohortById, membershipOf, roster } from "@/app/_lib/cohorts";
import { formatDay, isoDay } from "@/app/_lib/dates";
import { enforce } from "@/app/_lib/guard";
import { currentViewer } from "@/app/_lib/session";
import { listEndpoints } from "@/app/_lib/webhooks/endpoints";
import { InviteLink } from "./InviteLink";

export const dynamic = "force-dynamic";

// A cohort's page. Its students see its lessons and due dates; its graders also who is in it; its instructor
// (and admins) also its invite link, who grades it and its webhooks.

export default async function CohortPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const viewer = await currentViewer();
  // Visitors who have not signed in learn nothing, not even whether the cohort exists.
  enforce(mayListCohorts(viewer));
  const cohort = await cohortById(id);
  if (!cohort) notFound();
  const facts = { instructorId: cohort.instructorId, membership: await membershipOf(cohort.id, viewer.learnerId) };
  enforce(mayViewCohort(viewer, facts));
  const manages = mayManageCohort(viewer, facts).allowed;
  const members = maySeeRoster(viewer, facts).allowed ? await roster(cohort.id) : undefined;
  const grades = mayGradeCohort(viewer, facts).allowed;
  const webhooks = mayManageWebhooks(viewer, facts).allowed ? await listEndpoints({ cohortId: cohort.id }) : undefined;
  const hidden = { cohortId: cohort.id };
  return (
    <div className="mx-auto max-w-4xl px-4 py-8">
      <h1 className="text-3xl font-bold">{cohort.name}</h1>
      <p className="mt-2 text-slate-600" data-testid="cohort-due">
        Due <time dateTime={isoDay(cohort.dueAt)}>{formatDay(cohort.dueAt)}</time>
        {facts.membership && ` · you are ${facts.membership === "grader" ? "a grader" : "a student"} here`}
      </p>
      {grades && (
        <Link
          href={`/cohorts/${cohort.id}/grades`}
          className="mt-4 inline-block rounded bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
        >
          Grades and evidence
        </Link>
      )}
      {manages && (
        <Link
          href={`/cohorts/${cohort.id}/class`}
          className="mt-4 ml-3 inline-block rounded bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
        >
          Class, live
        </Link>
      )}

      <section aria-labelledby="lessons" className="mt-8">
        <h2 id="lessons" className="text-xl font-semibold">
          Lessons
        </h2>
        <CohortLessons lessons={cohort.lessons} learnerId={facts.membership === "student" ? viewer.learnerId : undefined} />
      </section>

      {manages && (
        <section aria-labelledby="invite" className="mt-10 space-y-4">
          <h2 id="invite" className="text-xl font-semibold">
            Invite students
          </h2>
          <InviteLink path={`/join/${cohort.inviteCode}`} />
          <p className="text-sm text-slate-600">Anyone with this link can join until {formatDay(cohort.inviteExpiresAt)}. A new link ends this one.</p>
          <ActionForm action={renewInviteAction} submit="Make a new invite link" hidden={hidden} />
        </section>
      )}

      {members && (
        <section aria-labelledby="members" className="mt-10">
          <h2 id="members" className="text-xl font-semibold">
            Members
          </h2>
          {members.length === 0 ? (
            <p className="mt-3 text-slate-600">Nobody has joined yet.</p>
          ) : (
            <table className="mt-3 w-full border-collapse text-left text-sm" data-testid="roster">
              <thead className="border-b border-slate-300 text-slate-600">
                <tr>
                  <th className="py-2">Email</th>
                  <th>Role</th>
                  <th>Joined</th>
                </tr>
              </thead>
              <tbody>
                {members.map((m) => (
                  <tr key={m.learnerId} className="border-b border-slate-200">
                    <td className="py-2">
                      {grades && m.membership === "student" ? (
                        <Link className="text-sky-700 underline" href={`/cohorts/${cohort.id}/students/${m.learnerId}`}>
                          {m.email}
                        </Link>
                      ) : (
                        m.email
                      )}
                    </td>
                    <td>{m.membership}</td>
                    <td>{formatDay(m.joinedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}

      {manages && (
        <section aria-labelledby="graders" className="mt-10 max-w-md">
          <h2 id="graders" className="text-xl font-semibold">
            Add a grader
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Graders see who is in the cohort and each student&apos;s work: grades, evidence, terminal recordings and a live view. Their account needs the grader
            (or instructor) role.
          </p>
          <ActionForm action={addGraderAction} submit="Add grader" hidden={hidden} label="Add a grader" className="mt-3 space-y-4">
            <TextField name="email" label="Grader's email" type="email" autoComplete="off" />
          </ActionForm>
        </section>
      )}

      {webhooks && (
        <section aria-labelledby="webhooks" className="mt-10">
          <h2 id="webhooks" className="text-xl font-semibold">
            Webhooks
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Dockyard POSTs this cohort&apos;s students&apos; progress in its lessons to these URLs, signed with each endpoint&apos;s secret, and retries until
            the receiver accepts.
          </p>
          <WebhookEndpoints endpoints={webhooks} showScope={false} />
          <h3 className="mt-6 font-semibold">Add an endpoint</h3>
          <div className="max-w-xl">
            <NewWebhookForm scopes={[{ value: cohort.id, label: `cohort “${cohort.name}”` }]} />
          </div>
        </section>
      )}
    </div>
  );
}
