import { NextResponse, type NextRequest } from "next/server";
import { signInFromCallback } from "@/app/_lib/oidc/callback";
import { clearedFlowCookie, FLOW_COOKIE } from "@/app/_lib/oidc/flow";

// The redirect URI registered at the provider (DOCKYARD_PUBLIC_URL + /auth/oidc/callback): the provider sends the
// browser back here with a code, or with an error. Either way the attempt's cookie is spent.

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest) {
  const location = await signInFromCallback(request.nextUrl.searchParams, request.cookies.get(FLOW_COOKIE)?.value);
  const response = new NextResponse(null, { status: 303, headers: { location } });
  response.cookies.set(clearedFlowCookie());
  return response;
}
