import Link from "next/link";
import { joinCohortAction } from "@/app/_actions/cohorts";
import { ActionForm } from "@/app/_components/ActionForm";
import { cohortByInvite, membershipOf } from "@/app/_lib/cohorts";
import { formatDay } from "@/app/_lib/dates";
import { INVITE_PROBLEMS } from "@/app/_lib/invites";
import { currentViewer } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

// An invite link. Joining takes a click (a link opened elsewhere cannot put someone in a cohort); a visitor
// without an account creates one (or signs in) first and lands in the cohort.

export default async function JoinPage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  const found = await cohortByInvite(code);
  if (!("cohort" in found))
    return (
      <Frame title={found.problem === "expired" ? "This invite link has expired" : "This invite link is not valid"}>
        <p className="text-slate-600" data-testid="invite-problem">
          {INVITE_PROBLEMS[found.problem]}
        </p>
      </Frame>
    );
  const { cohort } = found;
  const { account } = await currentViewer();
  const title = `Join ${cohort.name}`;
  const summary = (
    <p className="text-slate-600">
      {cohort.lessons.length} {cohort.lessons.length === 1 ? "lesson" : "lessons"}, due {formatDay(cohort.dueAt)}.
    </p>
  );
  if (!account) {
    const invite = new URLSearchParams({ invite: code });
    return (
      <Frame title={title}>
        {summary}
        <p className="mt-4">To join, create an account or sign in.</p>
        <div className="mt-4 flex gap-4">
          <Link
            href={`/signup?${invite}`}
            className="rounded bg-sky-600 px-4 py-2 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
          >
            Create an account to join
          </Link>
          <Link href={`/signin?${invite}`} className="px-2 py-2 text-sm text-sky-700 underline">
            I have an account: sign in
          </Link>
        </div>
      </Frame>
    );
  }
  if (account.id === cohort.instructorId || (await membershipOf(cohort.id, account.id)))
    return (
      <Frame title={`You are in ${cohort.name}`}>
        <Link href={`/cohorts/${cohort.id}`} className="text-sky-700 underline">
          Go to the cohort
        </Link>
      </Frame>
    );
  return (
    <Frame title={title}>
      {summary}
      <div className="mt-4">
        <ActionForm action={joinCohortAction} submit={`Join ${cohort.name}`} hidden={{ invite: code }} label={title} />
      </div>
    </Frame>
  );
}

function Frame({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="mx-auto max-w-xl px-4 py-12">
      <h1 className="text-2xl font-bold">{title}</h1>
      <div className="mt-3">{children}</div>
    </div>
  );
}
