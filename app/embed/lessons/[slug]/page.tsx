import { notFound } from "next/navigation";
import { lessonBySlug } from "@/app/_lib/lessons";
import { lessonsDecision } from "@/app/_lib/guard";
import { lessonView } from "@/app/_lib/lessonView";
import { currentViewer } from "@/app/_lib/session";
import { BrokenLesson } from "@/app/_components/BrokenLesson";
import { EmbedRefusal, OpenInDockyard } from "@/app/_components/EmbedRefusal";
import { EmbedCookieCheck } from "@/app/_components/EmbedCookieCheck";
import { LabPanel } from "@/app/_components/LabPanel";
import { LessonProgress } from "@/app/_components/LessonProgress";
import { LessonSteps } from "@/app/_components/LessonSteps";

// One lesson in another site's frame (an LMS's course page, an LTI launch, a blog): its text, its lab and checks, a
// link to open it in Dockyard, and none of the site's navigation (app/_components/OutsideEmbed.tsx). Made for a frame
// of about 800×600: text above the lab, side by side when wider. Which sites may frame it: app/_lib/embedOrigins.ts;
// its cookie: app/_lib/sessionCookie.ts.

export const dynamic = "force-dynamic";

export default async function EmbeddedLessonPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const found = lessonBySlug(slug);
  if (!found) notFound();
  const lessonUrl = `/lessons/${slug}`;
  const open = <OpenInDockyard href={lessonUrl} />;
  // Signing in happens on Dockyard's own pages, which no frame may show.
  const decision = await lessonsDecision();
  if (!decision.allowed) return <EmbedRefusal message={decision.message} href={lessonUrl} />;
  if ("error" in found) return <BrokenLesson message={found.error.message}>{open}</BrokenLesson>;

  const { lesson } = found;
  const { content, graded, gradedPassed } = await lessonView(lesson, { embedded: true });
  // Whom the work counts for, when an LMS's launch signed them in (the LMS page shows no Dockyard account).
  const { account } = await currentViewer();
  return (
    <LessonSteps lesson={slug} graded={graded} initiallyPassed={gradedPassed}>
      <div className="flex h-screen flex-col" data-testid="embedded-lesson">
        <div className="flex items-center gap-4 border-b border-slate-200 bg-white px-3 py-2">
          <h1 className="min-w-0 truncate font-semibold">{lesson.title}</h1>
          <div className="ml-auto w-64 shrink-0">
            <LessonProgress steps={graded} initiallyPassed={gradedPassed} />
          </div>
          {account && (
            <span className="max-w-48 shrink-0 truncate text-sm text-slate-600" data-testid="embed-signed-in-as">
              {account.email}
            </span>
          )}
          {open}
        </div>
        <div className="grid min-h-0 flex-1 grid-rows-[2fr_3fr] gap-2 p-2 lg:grid-cols-2 lg:grid-rows-1">
          <article className="prose prose-sm prose-slate min-h-0 max-w-none overflow-y-auto px-1">{content}</article>
          <div className="min-h-0">
            <EmbedCookieCheck lessonUrl={lessonUrl}>
              <LabPanel lesson={slug} nodes={lesson.nodes} registry={lesson.registry} fill />
            </EmbedCookieCheck>
          </div>
        </div>
      </div>
    </LessonSteps>
  );
}
