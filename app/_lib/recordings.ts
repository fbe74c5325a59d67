import { NextResponse } from "next/server";
import { DEFAULT_NODE, type ViewerClaims } from "@dockyard/contract/server";
import { answerRefusals } from "./api";
import { recordingFile, recordingListing, watchUrl } from "./runner";

// The answers of the recording and live-view routes, the same for the learner's own lab and for a grader's view
// of a student's: the caller has already decided that whoever asks may see this lab.

/** The answer of a recording route: without ?node= the listing (JSON), with it that node's asciicast file. */
export async function recordingResponse(req: Request, lab: ViewerClaims): Promise<Response> {
  const node = new URL(req.url).searchParams.get("node");
  return answerRefusals(async () => (node === null ? NextResponse.json(await recordingListing(lab)) : recordingFile(lab, node)));
}

/** The answer of a live-view route: { url } of the node given by ?node= (node1 by default). */
export const watchResponse = (req: Request, lab: ViewerClaims) =>
  NextResponse.json({ url: watchUrl(lab, new URL(req.url).searchParams.get("node") ?? DEFAULT_NODE) });
