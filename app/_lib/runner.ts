import { issueLabToken, previewPublicUrl, runnerPublicUrl, runnerUrl, secret, tokenTtlSeconds, sandboxIdFor, type CheckResult, type FileContent, type FileListing, type PublishedPort, type RegistryCredentials } from "@dockyard/contract/server";

// Typed client of the lab-runner. The site mints the short-lived lab token that binds a learner to their
// sandbox; the lab-runner verifies it on every call and on the terminal WebSocket.

export class RunnerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

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

async function call<T>(access: LabAccess, method: string, path: string, text?: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${runnerUrl()}/sandboxes/${access.sandboxId}${path}`, {
      method,
      headers: { authorization: `Bearer ${access.token}`, ...(text !== undefined && { "content-type": "text/plain; charset=utf-8" }) },
      body: text,
      cache: "no-store",
    });
  } catch {
    throw new RunnerError(503, "runner_unreachable", "The lab-runner is not reachable. Is it running?");
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!res.ok) throw new RunnerError(res.status, body.error ?? "runner_error", body.message ?? `The lab-runner answered ${res.status}.`);
  return body as T;
}

export const startLab = (access: LabAccess) => call<{ sandboxId: string }>(access, "POST", "/start");
export const runCheck = (access: LabAccess, stepId: string) => call<CheckResult>(access, "POST", `/checks/${stepId}`);
export const removeLab = (access: LabAccess) => call<{ removed: string }>(access, "DELETE", "");

const inNode = (path: string, node: string) => `?${new URLSearchParams({ path, node })}`;
export const readFile = (access: LabAccess, node: string, path: string) => call<FileContent>(access, "GET", `/files${inNode(path, node)}`);
export const writeFile = (access: LabAccess, node: string, path: string, content: string) =>
  call<{ path: string; size: number }>(access, "PUT", `/files${inNode(path, node)}`, content);
export const listFiles = (access: LabAccess, node: string, path: string) => call<FileListing>(access, "GET", `/files/list${inNode(path, node)}`);
export const registryCredentials = (access: LabAccess) => call<RegistryCredentials>(access, "GET", "/registry");
export const publishedPorts = (access: LabAccess) => call<{ ports: PublishedPort[] }>(access, "GET", "/ports");

/** Where the browser opens a port of the learner's sandbox; the lab-runner swaps the token for a cookie of that preview. */
export const previewUrl = (access: LabAccess, node: string, port: number) =>
  `${previewPublicUrl()}/preview/${access.sandboxId}/${node}/${port}/?token=${encodeURIComponent(access.token)}`;
