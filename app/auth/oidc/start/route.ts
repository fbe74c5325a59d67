import { NextResponse, type NextRequest } from "next/server";
import { oidcSettings } from "@dockyard/contract/server";
import { errorPage } from "@/app/_lib/oidc/callback";
import { startSignIn } from "@/app/_lib/oidc/flow";
import { problemOf } from "@/app/_lib/oidc/problems";

// "Sign in with <provider>": sends the browser to the provider, remembering this attempt in a cookie.
// ?next= and ?invite= (as on /signin) say where to land afterwards.

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest) {
  const settings = oidcSettings();
  if (!settings) return seeOther(errorPage("off"));
  const query = request.nextUrl.searchParams;
  try {
    const { url, cookie } = await startSignIn(settings, { next: query.get("next") ?? undefined, invite: query.get("invite") ?? undefined });
    const response = seeOther(url.href);
    response.cookies.set(cookie);
    return response;
  } catch (e) {
    const problem = problemOf(e);
    console.error(`[oidc] sign-in could not start (${problem}):`, e);
    return seeOther(errorPage(problem));
  }
}

const seeOther = (location: string) => new NextResponse(null, { status: 303, headers: { location } });
