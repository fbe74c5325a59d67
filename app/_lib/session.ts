import { cache } from "react";
import { cookies, headers } from "next/headers";
import * as accounts from "./accounts";
import type { Viewer } from "./access";
import type { SignedInIdentity } from "./identities";
import {
  accountCookie,
  anonymousSession,
  claimsOf,
  EMBED_COOKIE,
  expiredEmbedCookie,
  learnerCookie,
  loadsFrame,
  SESSION_COOKIE,
  sessionToken,
  viewerOf,
} from "./sessionCookie";

// The session of the request being handled: who is asking, and starting or ending an account's session.

/** Who this request comes from; looked up once per request. */
export const currentViewer = cache(async (): Promise<Viewer> => viewerOf(claimsOf(sessionToken(await cookies())), accounts));

/** The learner of this request, creating an anonymous one (and its cookie) if needed. Route handlers and actions only. */
export async function ensureLearner(): Promise<string> {
  const existing = (await currentViewer()).learnerId;
  if (existing) return existing;
  const { learner, cookie } = anonymousSession();
  (await cookies()).set(cookie);
  return learner;
}

/** Ends, on the server, the account sessions this browser's cookies name (the cookies, wherever copied, stop working). */
async function endCookieSessions(): Promise<void> {
  const jar = await cookies();
  for (const name of [SESSION_COOKIE, EMBED_COOKIE]) {
    const session = claimsOf(jar.get(name)?.value)?.session;
    if (session) await accounts.endSession(session);
  }
}

/**
 * Signs this browser in to the account: a new session (never one it had before), in a new cookie; in EMBED_COOKIE
 * when the request loads a frame (an LTI launch in the LMS's frame, see sessionCookie.ts), unless it came with
 * SESSION_COOKIE: then the frame is on Dockyard's own site, where that Lax cookie goes, and would speak first.
 */
export async function startAccountSession(learnerId: string): Promise<void> {
  await endCookieSessions();
  const jar = await cookies();
  jar.set(accountCookie(learnerId, await accounts.startSession(learnerId), await framedSession()));
}

/** Whether a session begun now goes in EMBED_COOKIE (see startAccountSession). */
const framedSession = async () => loadsFrame(await headers()) && !(await cookies()).has(SESSION_COOKIE);

/**
 * Signs this browser in as the learner a provider vouched for (signInIdentity): an account, as password sign-in does;
 * a learner without an email (not an account) with the cookie an anonymous learner has.
 */
export async function startIdentitySession(signedIn: SignedInIdentity): Promise<void> {
  if (signedIn.account) return startAccountSession(signedIn.account.id);
  await endCookieSessions();
  (await cookies()).set(learnerCookie(signedIn.learnerId, await framedSession()));
}

export async function endAccountSession(): Promise<void> {
  await endCookieSessions();
  const jar = await cookies();
  jar.delete(SESSION_COOKIE);
  if (jar.has(EMBED_COOKIE)) jar.set(expiredEmbedCookie());
}
