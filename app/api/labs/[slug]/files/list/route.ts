import { NextResponse } from "next/server";
import { withLearnerLab } from "@/app/_lib/api";
import { listFiles } from "@/app/_lib/runner";
import { DEFAULT_NODE } from "@dockyard/contract";

// The entries of a directory in the learner's sandbox (?path=, ?node=), for the editor's file list.

export const GET = withLearnerLab(async (req, { access }) => {
  const query = new URL(req.url).searchParams;
  return NextResponse.json(await listFiles(access, query.get("node") ?? DEFAULT_NODE, query.get("path") ?? ""));
});
