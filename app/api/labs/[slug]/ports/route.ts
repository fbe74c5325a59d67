import { NextResponse } from "next/server";
import { withLearnerLab } from "@/app/_lib/api";
import { previewUrl, publishedPorts } from "@/app/_lib/runner";

// The ports inner containers publish in the learner's sandbox, each with the preview link that opens it
// (a fresh lab token in each link, or null when previews are off; the lesson page polls this).

export const GET = withLearnerLab(async (_req, { access }) => {
  const { ports } = await publishedPorts(access);
  return NextResponse.json({ ports: ports.map((p) => ({ ...p, url: previewUrl(access, p.node, p.port) ?? null })) });
});
