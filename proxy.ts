import { NextResponse, type NextRequest } from "next/server";
import { anonymousSession, claimsOf, SESSION_COOKIE } from "@/app/_lib/sessionCookie";

// Every page a visitor opens already carries their session, so the requests that page then makes at once
// (start the lab, reveal a hint, check a step) all act for one learner instead of each minting its own.
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

export function proxy(request: NextRequest) {
  if (!decodable(request.nextUrl.pathname)) return NextResponse.json({ error: "bad_url", message: "The address has a malformed %-escape." }, { status: 400 });
  if (request.nextUrl.pathname.startsWith("/api/")) return NextResponse.next();
  if (claimsOf(request.cookies.get(SESSION_COOKIE)?.value)) return NextResponse.next();
  const { cookie } = anonymousSession();
  request.cookies.set(SESSION_COOKIE, cookie.value);
  const response = NextResponse.next({ request: { headers: request.headers } });
  response.cookies.set(cookie);
  return response;
}

// API routes pass through (they create a session when they need one: ensureLearner); malformed paths stop here.
export const config = { matcher: ["/((?!_next/|favicon\\.ico).*)"] };
