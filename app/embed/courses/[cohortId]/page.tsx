import { notFound } from "next/navigation";
import { CohortLessons } from "@/app/_components/CohortLessons";
import { EmbedRefusal, OpenInDockyard } from "@/app/_components/EmbedRefusal";
import { mayGradeCohort, mayListCohorts, mayViewCohort } from "@/app/_lib/access";
import { cohortById, membershipOf } from "@/app/_lib/cohorts";
import { assignedLessons } from "@/app/_lib/lti/assignments";
import { currentViewer } from "@/app/_lib/session";

// A course (cohort) in an LMS's frame, where a launch of a link to no lesson lands (Canvas's course navigation, say;
// app/_lib/lti/tool.ts launchLanding): its lessons in course order with the viewer's progress, each opening its
// embedded page in the same frame, and for those who teach or grade it a way out to the cohort's own page. The
// same access as that page (its members, its instructor, admins); a refusal is said in the frame, which cannot show
// Dockyard's sign-in page. Framed like the embedded lesson (app/_lib/securityHeaders.ts: everything under /embed).

export const dynamic = "force-dynamic";

export default async function EmbeddedCoursePage({ params }: { params: Promise<{ cohortId: string }> }) {
  const { cohortId } = await params;
  const cohortUrl = `/cohorts/${encodeURIComponent(cohortId)}`;
  const viewer = await currentViewer();
  // Visitors who have not signed in learn nothing, not even whether the cohort exists.
  const signedIn = mayListCohorts(viewer);
  if (!signedIn.allowed) return <EmbedRefusal message={signedIn.message} href={cohortUrl} />;
  const cohort = await cohortById(cohortId);
  if (!cohort) notFound();
  const facts = { instructorId: cohort.instructorId, membership: await membershipOf(cohort.id, viewer.learnerId) };
  const decision = mayViewCohort(viewer, facts);
  if (!decision.allowed) return <EmbedRefusal message={decision.message} href={cohortUrl} />;

  return (
    <div className="p-3" data-testid="embedded-course">
      <div className="flex flex-wrap items-baseline gap-4 border-b border-slate-200 pb-2">
        <h1 className="min-w-0 truncate text-lg font-semibold">{cohort.name}</h1>
        {viewer.account && (
          <span className="ml-auto max-w-48 shrink-0 truncate text-sm text-slate-600" data-testid="embed-signed-in-as">
            {viewer.account.email}
          </span>
        )}
        {mayGradeCohort(viewer, facts).allowed && <OpenInDockyard href={cohortUrl}>Open the class in Dockyard ↗</OpenInDockyard>}
      </div>
      <section aria-labelledby="course-lessons">
        <h2 id="course-lessons" className="sr-only">
          Lessons
        </h2>
        <CohortLessons lessons={cohort.lessons} learnerId={viewer.learnerId} embedded={{ assigned: await assignedLessons(cohort.id) }} />
        {cohort.lessons.length === 0 && <p className="mt-3 text-slate-600">This course has no Dockyard lessons yet.</p>}
      </section>
    </div>
  );
}
