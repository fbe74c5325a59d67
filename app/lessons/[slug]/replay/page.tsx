import Link from "next/link";
import { notFound } from "next/navigation";
import { lessonBySlug } from "@/app/_lib/lessons";
import { enforce, lessonsDecision } from "@/app/_lib/guard";
import { DEFAULT_NODE, nodeNames } from "@dockyard/contract";
import { ReplayView } from "@/app/_components/ReplayView";

export const dynamic = "force-dynamic";

// The learner replays their own terminal of a lesson, seeking by its markers: the steps they moved to and the
// checks they ran. With ?live=1, it is also shown live, read-only, as a grader would watch it.

export default async function ReplayPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ node?: string; live?: string }>;
}) {
  const { slug } = await params;
  const { node: asked, live } = await searchParams;
  enforce(await lessonsDecision());
  const found = lessonBySlug(slug);
  if (!found) notFound();
  const lesson = "error" in found ? undefined : found.lesson;
  const nodes = nodeNames(lesson?.nodes ?? 1);
  return (
    <div className="mx-auto max-w-5xl px-4 py-6">
      <Link className="text-sm text-sky-700 underline" href={`/lessons/${slug}`}>
        Back to the lesson
      </Link>
      <h1 className="mt-2 text-3xl font-bold">Replay: {lesson?.title ?? slug}</h1>
      <p className="mt-2 text-slate-600">
        Your terminal as it was recorded. Each step you moved to and each check you ran left a marker: click one to jump there.
      </p>
      <ReplayView
        api={`/api/labs/${slug}`}
        page={`/lessons/${slug}/replay`}
        nodes={nodes}
        node={asked && nodes.includes(asked) ? asked : DEFAULT_NODE}
        live={Boolean(live)}
        liveNote="What a grader watching sees."
        liveLink="Watch your terminal live, read-only"
      />
    </div>
  );
}
