import { issueLabToken } from "@/lab-runner/src/auth/tokens";
import { runnerPublicUrl, runnerUrl, secret, tokenTtlSeconds } from "@/lab-runner/src/shared/config";
import { sandboxIdFor } from "@/lab-runner/src/shared/ids";
import type { CheckResult } from "@/lab-runner/src/shared/types";

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

async function call<T>(access: LabAccess, method: string, path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${runnerUrl()}/sandboxes/${access.sandboxId}${path}`, {
      method,
      headers: { authorization: `Bearer ${access.token}` },
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
