import { NextResponse } from "next/server";
import { cookies } from "next/headers";
import { Refusal } from "@dockyard/contract";
import { db } from "@/app/_lib/db";
import { signInIdentity } from "@/app/_lib/identities";
import { lessonOfLink } from "@/app/_lib/lti/assignments";
import { enterCourse } from "@/app/_lib/lti/contexts";
import { queueRosterSync } from "@/app/_lib/lti/roster";
import { deepLinkTicket } from "@/app/_lib/lti/deepLinking";
import { refusalPage } from "@/app/_lib/lti/html";
import { verifyLaunch } from "@/app/_lib/lti/launch";
import { rememberedLogin, spentStateCookie, stateCookieName } from "@/app/_lib/lti/login";
import { courseRole } from "@/app/_lib/lti/roles";
import { queueScores } from "@/app/_lib/lti/scores";
import { launchLanding, siteUrl } from "@/app/_lib/lti/tool";
import { startIdentitySession } from "@/app/_lib/session";

// An LTI launch: the LMS's auto-posted id_token (a cross-site POST: proxy.ts lets it in, the token and the state
// cookie protect it). The person is signed in as the platform's subject, put in the course's cohort with their
// course role, and sent on: a resource link to its lesson or its course (tool.ts launchLanding), a Deep Linking request to the lesson picker.

export async function POST(req: Request): Promise<Response> {
  const site = siteUrl(req.headers);
  const form = new URLSearchParams(await req.text());
  const state = form.get("state") ?? undefined;
  const jar = await cookies();
  try {
    const cookieName = state ? stateCookieName(state) : undefined;
    const remembered = rememberedLogin(state, cookieName && jar.get(cookieName)?.value);
    jar.set(spentStateCookie(state!)); // one launch per login
    const { platform, launch } = await verifyLaunch(form.get("id_token") ?? undefined, remembered);

    const role = courseRole(launch.roles);
    const signedIn = await signInIdentity({ provider: `lti:${platform.id}`, subject: launch.subject, email: launch.email, emailVerified: true });
    await startIdentitySession(signedIn);
    const cohortId = await enterCourse(platform.id, launch, signedIn.learnerId, role);
    if (cohortId && role === "instructor") await queueRosterSync(cohortId); // synced in the background (the outbox)

    if (launch.messageType === "LtiDeepLinkingRequest") {
      if (role !== "instructor" && signedIn.account?.role !== "admin")
        throw new Refusal("forbidden", "Only the course's instructors add Dockyard lessons to it.");
      return NextResponse.redirect(new URL(`/lti/deep-link?ticket=${encodeURIComponent(deepLinkTicket(platform.id, launch, signedIn.learnerId))}`, site), 303);
    }
    const lesson = await lessonOfLink(platform.id, launch);
    if (lesson) await queueScores(db, signedIn.learnerId, lesson.slug); // work done before the lesson was assigned counts
    const next = launchLanding({ lessonSlug: lesson?.slug, cohortId, role, documentTarget: launch.documentTarget });
    return NextResponse.redirect(new URL(next, site), 303);
  } catch (e) {
    return refusalPage(req, e);
  }
}
