import { NextResponse } from "next/server";
import { fromRunnerError, learnerLab } from "@/app/_lib/api";
import { previewUrl, publishedPorts } from "@/app/_lib/runner";

// The ports inner containers publish in the learner's sandbox, each with the preview link that opens it
// (a fresh lab token in each link; the lesson page polls this).

export async function GET(_req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const lab = await learnerLab((await params).slug);
  if ("error" in lab) return lab.error;
  try {
    const { ports } = await publishedPorts(lab.access);
    return NextResponse.json({ ports: ports.map((p) => ({ ...p, url: previewUrl(lab.access, p.node, p.port) })) });
  } catch (e) {
    return fromRunnerError(e);
  }
}
