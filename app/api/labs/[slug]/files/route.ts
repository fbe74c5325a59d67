import { NextResponse } from "next/server";
import { apiError, withLearnerLab } from "@/app/_lib/api";
import { readFile, writeFile } from "@/app/_lib/runner";
import { DEFAULT_NODE, FILE_LIMITS } from "@dockyard/contract";

// The editor's file in the learner's sandbox: GET reads it, PUT (body: its new text) saves it. ?path= is
// absolute inside the sandbox, ?node= picks the node (node1 unless given); the lab-runner does the rest.

const target = (req: Request) => {
  const query = new URL(req.url).searchParams;
  return { path: query.get("path") ?? "", node: query.get("node") ?? DEFAULT_NODE };
};

export const GET = withLearnerLab(async (req, { access }) => {
  const { path, node } = target(req);
  return NextResponse.json(await readFile(access, node, path));
});

export const PUT = withLearnerLab(async (req, { access }) => {
  const content = await req.text();
  if (Buffer.byteLength(content) > FILE_LIMITS.maxBytes)
    return apiError("too_large", `The file is over ${FILE_LIMITS.maxBytes / 1024 / 1024} MiB; the editor saves files up to that size.`);
  const { path, node } = target(req);
  return NextResponse.json(await writeFile(access, node, path, content));
});
