import { NextResponse, type NextRequest } from "next/server";
import { learnerOf, newSession, SESSION_COOKIE } from "@/app/_lib/session";

// Every page a visitor opens already carries their session, so the requests that page then makes at once
// (start the lab, reveal a hint, check a step) all act for one learner instead of each minting its own.

export function proxy(request: NextRequest) {
  if (learnerOf(request.cookies.get(SESSION_COOKIE)?.value)) return NextResponse.next();
  const { cookie } = newSession();
  request.cookies.set(SESSION_COOKIE, cookie.value);
  const response = NextResponse.next({ request: { headers: request.headers } });
  response.cookies.set(cookie);
  return response;
}

// Pages only: API routes keep creating a session when they need one (ensureLearner).
export const config = { matcher: ["/((?!api/|_next/|favicon\\.ico).*)"] };
