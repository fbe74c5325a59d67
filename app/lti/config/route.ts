import { NextResponse } from "next/server";
import { canvasConfiguration, siteUrl } from "@/app/_lib/lti/tool";

// The tool's configuration JSON (Canvas: Developer Keys → + LTI Key → Enter URL).

export async function GET(req: Request): Promise<Response> {
  return NextResponse.json(canvasConfiguration(siteUrl(req.headers)));
}
