import { NextResponse } from "next/server";
import { issueViewerToken, RECORDING_TOKEN, WATCH_TOKEN, type ViewerClaims, runnerPublicUrl, runnerUrl, secret, tokenTtlSeconds, type RecordingListing, DEFAULT_NODE, sandboxIdFor } from "@dockyard/contract/server";
import { RunnerError } from "./runner";
import { fromRunnerError } from "./api";

// A lab's terminal recordings and its read-only live view, through the lab-runner, for someone the caller has
// already decided may see them (the learner themself, or a grader of their cohort): this mints the short-lived
// viewer token that proves it.

/** What a viewer token names: the learner's lab of one lesson. */
export const labOf = (learnerId: string, lessonSlug: string): ViewerClaims => ({ sandbox: sandboxIdFor(learnerId, lessonSlug), lesson: lessonSlug });

/** The lab-runner's answer about a recording: the listing (JSON) or the asciicast file, streamed. */
async function fromRunner(lab: ViewerClaims, node?: string): Promise<Response> {
  const token = issueViewerToken(secret(), RECORDING_TOKEN, lab, tokenTtlSeconds());
  const query = node === undefined ? "" : `?${new URLSearchParams({ node })}`;
  let res: Response;
  try {
    res = await fetch(`${runnerUrl()}/recordings/${lab.sandbox}${query}`, { headers: { authorization: `Bearer ${token}` }, cache: "no-store" });
  } catch {
    throw new RunnerError(503, "runner_unreachable", "The lab-runner is not reachable. Is it running?");
  }
  if (res.ok) return res;
  const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  throw new RunnerError(res.status, body.error ?? "runner_error", body.message ?? `The lab-runner answered ${res.status}.`);
}

export const recordingListing = async (lab: ViewerClaims) => (await (await fromRunner(lab)).json()) as RecordingListing;

/** One node's recording as an asciicast v2 response, streamed from the lab-runner. */
export async function recordingFile(lab: ViewerClaims, node: string): Promise<Response> {
  const upstream = await fromRunner(lab, node);
  const headers = new Headers({ "cache-control": "no-store" });
  for (const name of ["content-type", "content-length", "content-disposition"]) {
    const value = upstream.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Response(upstream.body, { headers });
}

/** Where a browser opens the live view of a node's terminal (the token in it is good for a few minutes). */
export function watchUrl(lab: ViewerClaims, node: string): string {
  const token = issueViewerToken(secret(), WATCH_TOKEN, lab, tokenTtlSeconds());
  return `${runnerPublicUrl()}/sandboxes/${lab.sandbox}/watch?${new URLSearchParams({ node, token })}`;
}

/** The answer of a recording route: without ?node= the listing (JSON), with it that node's asciicast file. */
export async function recordingResponse(req: Request, lab: ViewerClaims): Promise<Response> {
  const node = new URL(req.url).searchParams.get("node");
  try {
    return node === null ? NextResponse.json(await recordingListing(lab)) : await recordingFile(lab, node);
  } catch (e) {
    return fromRunnerError(e);
  }
}

/** The answer of a live-view route: { url } of the node given by ?node= (node1 by default). */
export const watchResponse = (req: Request, lab: ViewerClaims) =>
  NextResponse.json({ url: watchUrl(lab, new URL(req.url).searchParams.get("node") ?? DEFAULT_NODE) });
