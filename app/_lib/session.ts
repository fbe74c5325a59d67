import crypto from "node:crypto";
import { cookies } from "next/headers";
import { issue, verify, SESSION_TOKEN } from "@/lab-runner/src/auth/tokens";
import { secret } from "@/lab-runner/src/shared/config";

// An anonymous learner identity kept in a signed, HTTP-only cookie.

export const SESSION_COOKIE = "dockyard_session";
const SESSION_DAYS = 365;

/** The learner a session cookie's value names, if it is valid. */
export function learnerOf(token: string | undefined): string | undefined {
  if (!token) return undefined;
  try {
    return verify(secret(), SESSION_TOKEN, token).learner;
  } catch {
    return undefined;
  }
}

/** The learner of this request, or undefined when there is no valid session cookie yet. */
export async function currentLearner(): Promise<string | undefined> {
  return learnerOf((await cookies()).get(SESSION_COOKIE)?.value);
}

/** A new anonymous learner and the cookie that carries it. */
export function newSession() {
  const learner = crypto.randomUUID();
  const value = issue(secret(), SESSION_TOKEN, { learner }, SESSION_DAYS * 86400);
  const options = {
    httpOnly: true,
    sameSite: "lax" as const,
    path: "/",
    maxAge: SESSION_DAYS * 86400,
    secure: process.env.DOCKYARD_SECURE_COOKIES === "1",
  };
  return { learner, cookie: { name: SESSION_COOKIE, value, ...options } };
}

/** The learner of this request, creating an anonymous one (and its cookie) if needed. Route handlers only. */
export async function ensureLearner(): Promise<string> {
  const existing = await currentLearner();
  if (existing) return existing;
  const { learner, cookie } = newSession();
  (await cookies()).set(cookie);
  return learner;
}
