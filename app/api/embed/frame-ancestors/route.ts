import { NextResponse } from "next/server";
import { apiRoute } from "@/app/_lib/api";
import { allEmbedAncestors, embedAncestors } from "@/app/_lib/embedAncestors";

// The origins that may frame an embedded lesson, for proxy.ts (app/_lib/frameAncestors.ts), which reads no database.
// Not secret: every embedded page's Content-Security-Policy names them.

export const dynamic = "force-dynamic";

export const GET = apiRoute(async () => NextResponse.json({ origins: allEmbedAncestors(await embedAncestors()) }));
