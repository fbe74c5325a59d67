import { NextResponse } from "next/server";
import { apiError, fromRunnerError, learnerLab } from "@/app/_lib/api";
import { readFile, writeFile } from "@/app/_lib/runner";
import { DEFAULT_NODE, FILE_LIMITS } from "@dockyard/contract";

// The editor's file in the learner's sandbox: GET reads it, PUT (body: its new text) saves it. ?path= is
// absolute inside the sandbox, ?node= picks the node (node1 unless given); the lab-runner does the rest.

type Params = { params: Promise<{ slug: string }> };

const target = (req: Request) => {
  const query = new URL(req.url).searchParams;
  return { path: query.get("path") ?? "", node: query.get("node") ?? DEFAULT_NODE };
};

export async function GET(req: Request, { params }: Params) {
  const lab = await learnerLab((await params).slug);
  if ("error" in lab) return lab.error;
  const { path, node } = target(req);
  try {
    return NextResponse.json(await readFile(lab.access, node, path));
  } catch (e) {
    return fromRunnerError(e);
  }
}

export async function PUT(req: Request, { params }: Params) {
  const lab = await learnerLab((await params).slug);
  if ("error" in lab) return lab.error;
  const content = await req.text();
  if (Buffer.byteLength(content) > FILE_LIMITS.maxBytes)
    return apiError(413, "too_large", `The file is over ${FILE_LIMITS.maxBytes / 1024 / 1024} MiB; the editor saves files up to that size.`);
  const { path, node } = target(req);
  try {
    return NextResponse.json(await writeFile(lab.access, node, path, content));
  } catch (e) {
    return fromRunnerError(e);
  }
}
