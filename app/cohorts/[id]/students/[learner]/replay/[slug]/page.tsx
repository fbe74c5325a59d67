import Link from "next/link";
import { notFound } from "next/navigation";
import { lessonBySlug } from "@/app/_lib/lessons";
import { accountById } from "@/app/_lib/accounts";
import { enforceReview, reviewOf } from "@/app/_lib/review";
import { DEFAULT_NODE, nodeNames } from "@dockyard/contract";
import { ReplayView } from "@/app/_components/ReplayView";

export const dynamic = "force-dynamic";

// A grader replays a student's terminal of one of the cohort's lessons, opened at a check attempt when asked
// (?check=<step>&attempt=<n>), and may watch it live, read-only: the student's terminal shows a live view is open.

type Params = {
  params: Promise<{ id: string; learner: string; slug: string }>;
  searchParams: Promise<{ node?: string; live?: string; check?: string; attempt?: string }>;
};

export default async function StudentReplayPage({ params, searchParams }: Params) {
  const { id, learner, slug } = await params;
  const { node: asked, live, check, attempt } = await searchParams;
  const review = await reviewOf(id, learner, slug);
  enforceReview(review);
  const found = lessonBySlug(slug);
  if (!found) notFound();
  const lesson = "error" in found ? undefined : found.lesson;
  const nodes = nodeNames(lesson?.nodes ?? 1);
  const email = (await accountById(learner))?.email ?? "this student";
  const occurrence = Number(attempt);
  const startAt = check && Number.isInteger(occurrence) && occurrence > 0 ? { label: `check ${check} `, occurrence } : undefined;
  return (
    <div className="mx-auto max-w-5xl px-4 py-6">
      <Link className="text-sm text-sky-700 underline" href={`/cohorts/${id}/students/${learner}#${slug}`}>
        Back to {email}&apos;s work
      </Link>
      <h1 className="mt-2 text-3xl font-bold">
        {email}: {lesson?.title ?? slug}
      </h1>
      <p className="mt-2 text-slate-600">
        Their terminal as it was recorded. Each step they moved to and each check they ran left a marker: click one to jump there.
      </p>
      <ReplayView
        api={`/api/cohorts/${id}/students/${learner}/labs/${slug}`}
        page={`/cohorts/${id}/students/${learner}/replay/${slug}`}
        nodes={nodes}
        node={asked && nodes.includes(asked) ? asked : DEFAULT_NODE}
        live={Boolean(live)}
        startAt={startAt}
        liveNote="Read-only: what you type here goes nowhere. Their terminal shows that a live view is open."
        liveLink={`Watch ${email}'s terminal live, read-only`}
      />
    </div>
  );
}
