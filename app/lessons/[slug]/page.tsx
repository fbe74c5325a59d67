import Link from "next/link";
import { notFound } from "next/navigation";
import { lessonBySlug } from "@/app/_lib/lessons";
import { enforce, lessonsDecision } from "@/app/_lib/guard";
import type { Lesson } from "@dockyard/contract/server";
import { lessonView } from "@/app/_lib/lessonView";
import { BrokenLesson } from "@/app/_components/BrokenLesson";
import { LabPanel } from "@/app/_components/LabPanel";
import { LessonProgress } from "@/app/_components/LessonProgress";
import { LessonSteps } from "@/app/_components/LessonSteps";
import { LessonHotReload } from "@/app/_components/LessonHotReload";

export const dynamic = "force-dynamic";

export default async function LessonPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  enforce(await lessonsDecision());
  const found = lessonBySlug(slug);
  if (!found) notFound();
  // Under next dev the page follows edits to the lesson, broken or not (kept in one place so it stays connected).
  const hotReload = process.env.NODE_ENV === "development" && <LessonHotReload slug={slug} />;
  return (
    <>
      {hotReload}
      {"error" in found ? (
        <BrokenLesson message={found.error.message}>
          <Link className="mt-6 inline-block text-sky-700 underline" href="/">
            Back to the course
          </Link>
        </BrokenLesson>
      ) : (
        <LessonView lesson={found.lesson} />
      )}
    </>
  );
}

async function LessonView({ lesson }: { lesson: Lesson }) {
  const slug = lesson.slug;
  const { content, graded, gradedPassed } = await lessonView(lesson);
  return (
    <LessonSteps lesson={slug} graded={graded} initiallyPassed={gradedPassed}>
      <div className="mx-auto grid max-w-[1600px] gap-6 px-4 py-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
        <article className="min-w-0">
          <h1 className="text-3xl font-bold">{lesson.title}</h1>
          <p className="mt-2 text-slate-600">{lesson.summary}</p>
          <Link className="mt-1 inline-block text-sm text-sky-700 underline" href={`/lessons/${slug}/replay`}>
            Replay your terminal
          </Link>
          <div className="mt-4">
            <LessonProgress steps={graded} initiallyPassed={gradedPassed} />
          </div>
          <div className="prose prose-slate mt-6 max-w-none">{content}</div>
        </article>
        <aside className="min-w-0 lg:sticky lg:top-4 lg:h-[calc(100vh-6rem)]">
          <LabPanel lesson={slug} nodes={lesson.nodes} registry={lesson.registry} />
        </aside>
      </div>
    </LessonSteps>
  );
}
