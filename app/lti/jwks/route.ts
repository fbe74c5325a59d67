import { NextResponse } from "next/server";
import { toolJwks } from "@/app/_lib/lti/keys";

// The public keys Dockyard signs with as an LTI tool; platforms verify Deep Linking responses and client assertions with them.

export async function GET(): Promise<Response> {
  return NextResponse.json(await toolJwks(), { headers: { "cache-control": "public, max-age=300" } });
}
