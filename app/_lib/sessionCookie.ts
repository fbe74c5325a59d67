import crypto from "node:crypto";
import { issue, verify, SESSION_TOKEN, secret, secureCookies } from "@dockyard/contract/server";
import type { Account, Viewer } from "./access";

// The signed, HTTP-only session cookie, and who it speaks for. An anonymous learner's cookie names the learner;
// an account's also names a Session row, and is good only while that row lives (signing out deletes it).
// No database here (proxy.ts reads this module): what the rows say comes in through a SessionLookup.

export const SESSION_COOKIE = "dockyard_session";
const ANONYMOUS_DAYS = 365;
export const ACCOUNT_SESSION_DAYS = 30;

export interface SessionClaims {
  learner: string;
  session?: string;
}

/** The claims of a session cookie's value whose signature and lifetime hold; undefined for anything else. */
export function claimsOf(token: string | undefined): SessionClaims | undefined {
  if (!token) return undefined;
  try {
    const { learner, session } = verify(secret(), SESSION_TOKEN, token);
    return learner ? { learner, ...(session && { session }) } : undefined;
  } catch {
    return undefined;
  }
}

function cookie(claims: SessionClaims, days: number) {
  return {
    name: SESSION_COOKIE,
    value: issue(secret(), SESSION_TOKEN, { ...claims }, days * 86400),
    httpOnly: true,
    sameSite: "lax" as const,
    path: "/",
    maxAge: days * 86400,
    secure: secureCookies(),
  };
}

/** The cookie of a learner without an account: a new anonymous one, or one another system vouched for (app/_lib/identities.ts). */
export const learnerCookie = (learner: string) => cookie({ learner }, ANONYMOUS_DAYS);

/** A new anonymous learner and the cookie that carries it. */
export function anonymousSession() {
  const learner = crypto.randomUUID();
  return { learner, cookie: learnerCookie(learner) };
}

export const accountCookie = (learner: string, session: string) => cookie({ learner, session }, ACCOUNT_SESSION_DAYS);

/** What the database says about a cookie's claims. */
export interface SessionLookup {
  /** The account whose live (not ended, not expired) session this is. */
  accountOfSession(learnerId: string, sessionId: string): Promise<Account | undefined>;
  isAccount(learnerId: string): Promise<boolean>;
}

/**
 * Who a cookie speaks for. An ended session speaks for nobody; so does an anonymous cookie of a learner who has
 * since signed up (their account now needs its password).
 */
export async function viewerOf(claims: SessionClaims | undefined, lookup: SessionLookup): Promise<Viewer> {
  if (!claims) return {};
  if (claims.session) {
    const account = await lookup.accountOfSession(claims.learner, claims.session);
    return account ? { learnerId: account.id, account } : {};
  }
  return (await lookup.isAccount(claims.learner)) ? {} : { learnerId: claims.learner };
}
