import Link from "next/link";
import { notFound } from "next/navigation";
import { lessonBySlug } from "@/app/_lib/lessons";
import { enforce, lessonsDecision } from "@/app/_lib/guard";
import { DEFAULT_NODE, nodeNames } from "@/lab-runner/src/shared/types";
import { RecordingPlayer } from "@/app/_components/RecordingPlayer";
import { LiveView } from "@/app/_components/LiveView";

export const dynamic = "force-dynamic";

// The learner replays their own terminal of a lesson (each node's, in a lab of several), seeking by its
// markers: the steps they moved to and the checks they ran. With ?live=1, it is also shown live, read-only,
// as a grader would watch it. What is shown is fetched through the API, which decides whose it is.

export default async function ReplayPage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<{ node?: string; live?: string }> }) {
  const { slug } = await params;
  const { node: asked, live } = await searchParams;
  enforce(await lessonsDecision());
  const found = lessonBySlug(slug);
  if (!found) notFound();
  const lesson = "error" in found ? undefined : found.lesson;
  const nodes = nodeNames(lesson?.nodes ?? 1);
  const node = asked && nodes.includes(asked) ? asked : DEFAULT_NODE;
  const here = (query: Record<string, string>, anchor = "") => `/lessons/${slug}/replay?${new URLSearchParams({ node, ...query })}${anchor}`;
  return (
    <div className="mx-auto max-w-5xl px-4 py-6">
      <Link className="text-sm text-sky-700 underline" href={`/lessons/${slug}`}>
        Back to the lesson
      </Link>
      <h1 className="mt-2 text-3xl font-bold">Replay: {lesson?.title ?? slug}</h1>
      <p className="mt-2 text-slate-600">
        Your terminal as it was recorded. Each step you moved to and each check you ran left a marker: click one to jump there.
      </p>
      {nodes.length > 1 && (
        <nav className="mt-4 flex gap-2 text-sm" aria-label="Nodes">
          {nodes.map((n) => (
            <Link key={n} href={here({ node: n })} aria-current={n === node ? "page" : undefined} className={n === node ? "font-semibold" : "text-sky-700 underline"}>
              {n}
            </Link>
          ))}
        </nav>
      )}
      <div className="mt-4">
        <RecordingPlayer key={node} src={`/api/labs/${slug}/recording?node=${node}`} />
      </div>
      <section className="mt-8" id="live">
        <h2 className="text-xl font-semibold">Live</h2>
        {live ? (
          <>
            <p className="mt-1 text-sm text-slate-600">
              What a grader watching sees. <Link className="text-sky-700 underline" href={here({})}>Close the live view</Link>
            </p>
            <div className="mt-3">
              <LiveView key={node} accessUrl={`/api/labs/${slug}/watch?node=${node}`} />
            </div>
          </>
        ) : (
          <Link className="mt-1 inline-block text-sm text-sky-700 underline" href={here({ live: "1" }, "#live")}>
            Watch your terminal live, read-only
          </Link>
        )}
      </section>
    </div>
  );
}
