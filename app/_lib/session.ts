import { cache } from "react";
import { cookies } from "next/headers";
import * as accounts from "./accounts";
import type { Viewer } from "./access";
import type { SignedInIdentity } from "./identities";
import { accountCookie, anonymousSession, claimsOf, learnerCookie, SESSION_COOKIE, viewerOf } from "./sessionCookie";

// The session of the request being handled: who is asking, and starting or ending an account's session.

/** Who this request comes from; looked up once per request. */
export const currentViewer = cache(async (): Promise<Viewer> => viewerOf(claimsOf((await cookies()).get(SESSION_COOKIE)?.value), accounts));

/** The learner of this request, creating an anonymous one (and its cookie) if needed. Route handlers and actions only. */
export async function ensureLearner(): Promise<string> {
  const existing = (await currentViewer()).learnerId;
  if (existing) return existing;
  const { learner, cookie } = anonymousSession();
  (await cookies()).set(cookie);
  return learner;
}

/** Ends, on the server, the account session this browser's cookie names (the cookie, wherever copied, stops working). */
async function endCookieSession(): Promise<void> {
  const session = claimsOf((await cookies()).get(SESSION_COOKIE)?.value)?.session;
  if (session) await accounts.endSession(session);
}

/** Signs this browser in to the account: a new session (never one it had before), in a new cookie. */
export async function startAccountSession(learnerId: string): Promise<void> {
  await endCookieSession();
  (await cookies()).set(accountCookie(learnerId, await accounts.startSession(learnerId)));
}

/**
 * Signs this browser in as the learner a provider vouched for (signInIdentity): an account, as password sign-in does;
 * a learner without an email (not an account) with the cookie an anonymous learner has.
 */
export async function startIdentitySession(signedIn: SignedInIdentity): Promise<void> {
  if (signedIn.account) return startAccountSession(signedIn.account.id);
  await endCookieSession();
  (await cookies()).set(learnerCookie(signedIn.learnerId));
}

export async function endAccountSession(): Promise<void> {
  await endCookieSession();
  (await cookies()).delete(SESSION_COOKIE);
}
