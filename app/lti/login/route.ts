import { NextResponse } from "next/server";
import { refusalPage } from "@/app/_lib/lti/html";
import { startLogin } from "@/app/_lib/lti/login";
import { siteUrl } from "@/app/_lib/lti/tool";

// OpenID Connect third-party login initiation from an LMS (GET or a cross-site form POST: proxy.ts lets it in).

async function login(req: Request): Promise<Response> {
  const params = req.method === "POST" ? new URLSearchParams(await req.text()) : new URL(req.url).searchParams;
  try {
    const answer = await startLogin(params, siteUrl(req.headers));
    const response = NextResponse.redirect(answer.redirect, 302);
    response.cookies.set(answer.cookie);
    return response;
  } catch (e) {
    return refusalPage(req, e);
  }
}

export const GET = login;
export const POST = login;
