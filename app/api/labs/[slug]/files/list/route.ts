import { NextResponse } from "next/server";
import { fromRunnerError, learnerLab } from "@/app/_lib/api";
import { listFiles } from "@/app/_lib/runner";
import { DEFAULT_NODE } from "@dockyard/contract";

// The entries of a directory in the learner's sandbox (?path=, ?node=), for the editor's file list.

export async function GET(req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const lab = await learnerLab((await params).slug);
  if ("error" in lab) return lab.error;
  const query = new URL(req.url).searchParams;
  try {
    return NextResponse.json(await listFiles(lab.access, query.get("node") ?? DEFAULT_NODE, query.get("path") ?? ""));
  } catch (e) {
    return fromRunnerError(e);
  }
}
