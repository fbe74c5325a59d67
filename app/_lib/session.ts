import crypto from "node:crypto";
import { cookies } from "next/headers";
import { issue, verify, SESSION_TOKEN } from "@/lab-runner/src/auth/tokens";
import { secret } from "@/lab-runner/src/shared/config";

// An anonymous learner identity kept in a signed, HTTP-only cookie.

export const SESSION_COOKIE = "dockyard_session";
const SESSION_DAYS = 365;

/** The learner of this request, or undefined when there is no valid session cookie yet. */
export async function currentLearner(): Promise<string | undefined> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) return undefined;
  try {
    return verify(secret(), SESSION_TOKEN, token).learner;
  } catch {
    return undefined;
  }
}

/** The learner of this request, creating an anonymous one (and its cookie) if needed. Route handlers only. */
export async function ensureLearner(): Promise<string> {
  const existing = await currentLearner();
  if (existing) return existing;
  const learner = crypto.randomUUID();
  const token = issue(secret(), SESSION_TOKEN, { learner }, SESSION_DAYS * 86400);
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    maxAge: SESSION_DAYS * 86400,
    secure: process.env.DOCKYARD_SECURE_COOKIES === "1",
  });
  return learner;
}
