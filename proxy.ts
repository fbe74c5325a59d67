import { NextResponse, type NextRequest } from "next/server";
import { publicUrl, Refusal, runnerPublicUrl } from "@dockyard/contract/server";
import { anonymousSession, loadsFrame, sessionToken } from "@/app/_lib/sessionCookie";
import { CROSS_SITE_ENDPOINTS, crossSiteRefusal } from "@/app/_lib/origin";
import { embedFrameAncestors } from "@/app/_lib/frameAncestors";
import { API_POLICY, ASSET_POLICY, FRAME_ANCESTORS_HEADER, FRAMEABLE_PATH, newNonce, pagePolicy } from "@/app/_lib/securityHeaders";

// Every request but static files passes here first. A request that changes state from another site's page is
// refused (app/_lib/origin.ts), whatever route or Server Action it names, but for the few endpoints listed there
// that other sites post to by design (an LMS's LTI launch). Each response gets its
// Content-Security-Policy (app/_lib/securityHeaders.ts): a page's with a nonce of its own (Next reads it from the
// request's policy header and puts it on its scripts); API answers and lesson files policies that let them run
// nothing. The fixed headers come from next.config.ts. The pages FRAMEABLE_PATH names (an embedded lesson, the
// LTI pages an LMS shows in its frame) may be framed by the origins an admin allows and the registered LMSes', no
// other page by anyone; the LTI route handlers that write their own policy are handed those origins.
//
// Every page a visitor opens already carries their session, so the requests that page then makes at once
// (start the lab, reveal a hint, check a step) all act for one learner instead of each minting its own.
// A document loaded in a frame gets its session in the embedded pages' cookie (app/_lib/sessionCookie.ts says why).
// Whether a signed cookie's account session is still live is the pages' business (app/_lib/session.ts).

/** Whether every segment of the path decodes (Next answers a bare 500 for one that does not, e.g. /api/labs/%ZZ). */
const decodable = (pathname: string) =>
  pathname.split("/").every((segment) => {
    try {
      decodeURIComponent(segment);
      return true;
    } catch {
      return false;
    }
  });

/**
 * LTI route handlers whose pages carry a policy of their own (app/_lib/lti/html.ts: a form posted on to the LMS, a
 * script by nonce); its frame-ancestors come from here, in FRAME_ANCESTORS_HEADER.
 */
const OWN_POLICY = /^\/lti\/(login|launch|deep-link\/respond|register\/complete)$/;

/** A file beside a lesson (app/lessons/[slug]/assets), not a page. */
const LESSON_ASSET = /^\/lessons\/[^/]+\/assets\//;

const withPolicy = (response: NextResponse, policy: string) => {
  response.headers.set("content-security-policy", policy);
  return response;
};

export async function proxy(request: NextRequest) {
  if (!decodable(request.nextUrl.pathname))
    return withPolicy(NextResponse.json({ error: "bad_url", message: "The address has a malformed %-escape." }, { status: 400 }), API_POLICY);
  const foreign = !CROSS_SITE_ENDPOINTS.has(request.nextUrl.pathname) && crossSiteRefusal(request.method, request.headers, publicUrl());
  if (foreign) {
    // As app/_lib/api.ts answers a Refusal, without importing it: it would bring the database into the proxy.
    const refusal = new Refusal("cross_site", foreign);
    return withPolicy(NextResponse.json(refusal.body, { status: refusal.status }), API_POLICY);
  }
  const { pathname } = request.nextUrl;
  // API routes create a session when they need one (ensureLearner).
  if (pathname.startsWith("/api/")) return withPolicy(NextResponse.next(), API_POLICY);
  const frameAncestors = FRAMEABLE_PATH.test(pathname) ? await embedFrameAncestors() : [];
  if (OWN_POLICY.test(pathname)) {
    const headers = new Headers(request.headers);
    headers.set(FRAME_ANCESTORS_HEADER, frameAncestors.join(" "));
    return NextResponse.next({ request: { headers } });
  }

  const policy = LESSON_ASSET.test(pathname)
    ? ASSET_POLICY
    : pagePolicy({
        nonce: newNonce(),
        dev: process.env.NODE_ENV === "development",
        terminalUrl: runnerPublicUrl(),
        frameAncestors,
      });
  const session = sessionToken(request.cookies) ? undefined : anonymousSession(loadsFrame(request.headers));
  if (session) request.cookies.set(session.cookie.name, session.cookie.value);
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", policy);
  const response = withPolicy(NextResponse.next({ request: { headers } }), policy);
  if (session) response.cookies.set(session.cookie);
  return response;
}

export const config = { matcher: ["/((?!_next/|favicon\\.ico).*)"] };
