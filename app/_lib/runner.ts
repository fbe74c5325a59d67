import {
  issueAdminToken,
  issueLabToken,
  issueViewerToken,
  previewLink,
  previewUrl as previewBase,
  RECORDING_TOKEN,
  Refusal,
  runnerPublicUrl,
  runnerUrl,
  sandboxIdFor,
  secret,
  tokenTtlSeconds,
  WATCH_TOKEN,
  type CheckResult,
  type FileContent,
  type FileListing,
  type HostStatus,
  type PublishedPort,
  type RecordingListing,
  type RegistryCredentials,
  type ViewerClaims,
} from "@dockyard/contract/server";

// The site's one client of the lab-runner. The site mints the short-lived token each call needs: a lab token
// that binds a learner to their sandbox (their own lab), a recording or viewer token for someone the caller
// has already decided may see a lab (its recordings, its live view), an admin token for an admin (the host's
// status, any lab's stop or suspend). A refusal of the lab-runner, or its
// absence, is thrown as a Refusal.

export interface LabAccess {
  sandboxId: string;
  token: string;
  terminalUrl: string;
}

export function labAccess(learnerId: string, lessonSlug: string): LabAccess {
  const sandboxId = sandboxIdFor(learnerId, lessonSlug);
  const token = issueLabToken(secret(), { learner: learnerId, sandbox: sandboxId, lesson: lessonSlug }, tokenTtlSeconds());
  return { sandboxId, token, terminalUrl: `${runnerPublicUrl()}/sandboxes/${sandboxId}/terminal` };
}

/** What a viewer token names: the learner's lab of one lesson. */
export const labOf = (learnerId: string, lessonSlug: string): ViewerClaims => ({ sandbox: sandboxIdFor(learnerId, lessonSlug), lesson: lessonSlug });

/** The lab-runner's answer to a call, if it is not a refusal. */
async function request(path: string, token: string, method = "GET", text?: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${runnerUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(text !== undefined && { "content-type": "text/plain; charset=utf-8" }) },
      body: text,
      cache: "no-store",
    });
  } catch {
    throw new Refusal("runner_unreachable");
  }
  if (res.ok) return res;
  throw Refusal.relayed(res.status, await res.json().catch(() => undefined));
}

const call = async <T>(access: LabAccess, method: string, path: string, text?: string): Promise<T> =>
  (await request(`/sandboxes/${access.sandboxId}${path}`, access.token, method, text)).json() as Promise<T>;

/** Starts the lab unless it runs; `started` says whether this call started it (fresh or resumed). */
export const startLab = (access: LabAccess) => call<{ sandboxId: string; started: boolean }>(access, "POST", "/start");
export const runCheck = (access: LabAccess, stepId: string) => call<CheckResult>(access, "POST", `/checks/${stepId}`);
/** Runs the step's setup unless it ran (the learner reached the step); refused as setup_failed with its output when it fails. */
export const prepareStep = (access: LabAccess, stepId: string) => call<{ prepared: string }>(access, "POST", `/setup/${stepId}`);
export const removeLab = (access: LabAccess) => call<{ removed: string }>(access, "DELETE", "");
export const suspendLab = (access: LabAccess) => call<{ suspended: string }>(access, "POST", "/suspend");

const inNode = (path: string, node: string) => `?${new URLSearchParams({ path, node })}`;
export const readFile = (access: LabAccess, node: string, path: string) => call<FileContent>(access, "GET", `/files${inNode(path, node)}`);
export const writeFile = (access: LabAccess, node: string, path: string, content: string) =>
  call<{ path: string; size: number }>(access, "PUT", `/files${inNode(path, node)}`, content);
export const listFiles = (access: LabAccess, node: string, path: string) => call<FileListing>(access, "GET", `/files/list${inNode(path, node)}`);
export const registryCredentials = (access: LabAccess) => call<RegistryCredentials>(access, "GET", "/registry");
export const publishedPorts = (access: LabAccess) => call<{ ports: PublishedPort[] }>(access, "GET", "/ports");

/**
 * Where the browser opens a port of the learner's sandbox; the lab-runner swaps the token for a cookie of that preview.
 * Undefined when previews are off (a public address without a preview address of their own).
 */
export function previewUrl(access: LabAccess, node: string, port: number): string | undefined {
  const base = previewBase();
  if (base === undefined) return undefined;
  return `${previewLink(base, { sandbox: access.sandboxId, node, port })}?token=${encodeURIComponent(access.token)}`;
}

const recordings = (lab: ViewerClaims, node?: string) =>
  request(
    `/recordings/${lab.sandbox}${node === undefined ? "" : `?${new URLSearchParams({ node })}`}`,
    issueViewerToken(secret(), RECORDING_TOKEN, lab, tokenTtlSeconds()),
  );

export const recordingListing = async (lab: ViewerClaims) => (await (await recordings(lab)).json()) as RecordingListing;

/** One node's recording as an asciicast v2 response, streamed from the lab-runner. */
export async function recordingFile(lab: ViewerClaims, node: string): Promise<Response> {
  const upstream = await recordings(lab, node);
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

const asAdmin = (adminId: string) => issueAdminToken(secret(), { admin: adminId }, tokenTtlSeconds());

/** For an admin: every lab on the host and its state, the boot queue, and the host's load against the limits. */
export const hostStatus = async (adminId: string) => (await (await request("/admin/status", asAdmin(adminId))).json()) as HostStatus;
/** For an admin: suspends anyone's lab (everything kept) or removes it for good. `sandboxId` must be a SANDBOX_ID. */
export const suspendAnyLab = async (adminId: string, sandboxId: string) =>
  (await (await request(`/admin/labs/${sandboxId}/suspend`, asAdmin(adminId), "POST")).json()) as { suspended: string };
export const removeAnyLab = async (adminId: string, sandboxId: string) =>
  (await (await request(`/admin/labs/${sandboxId}`, asAdmin(adminId), "DELETE")).json()) as { removed: string };
