import { NextResponse, type NextRequest } from "next/server";
import { anonymousSession, claimsOf, SESSION_COOKIE } from "@/app/_lib/sessionCookie";

// Every page a visitor opens already carries their session, so the requests that page then makes at once
// (start the lab, reveal a hint, check a step) all act for one learner instead of each minting its own.
// Whether a signed cookie's account session is still live is the pages' business (app/_lib/session.ts).

export function proxy(request: NextRequest) {
  if (claimsOf(request.cookies.get(SESSION_COOKIE)?.value)) return NextResponse.next();
  const { cookie } = anonymousSession();
  request.cookies.set(SESSION_COOKIE, cookie.value);
  const response = NextResponse.next({ request: { headers: request.headers } });
  response.cookies.set(cookie);
  return response;
}

// Pages only: API routes keep creating a session when they need one (ensureLearner).
export const config = { matcher: ["/((?!api/|_next/|favicon\\.ico).*)"] };
