import { NextResponse } from "next/server";
import { cookies } from "next/headers";
import { apiRoute } from "@/app/_lib/api";
import { claimsOf, sessionToken } from "@/app/_lib/sessionCookie";

// The embedded page's cookie round trip (app/_components/EmbedCookieCheck.tsx): whether this request came with a
// session cookie. The page's own load was given one; if the browser kept it from this request, it keeps cookies out of
// the frame and nothing done there could be kept. Says nothing about whose session it is.

export const dynamic = "force-dynamic";

export const GET = apiRoute(async () => NextResponse.json({ session: claimsOf(sessionToken(await cookies())) !== undefined }));
