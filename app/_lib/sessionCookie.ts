import crypto from "node:crypto";
import { issue, verify, SESSION_TOKEN, secret, secureCookies } from "@dockyard/contract/server";
import type { Account, Viewer } from "./access";

// The signed, HTTP-only session cookie, and who it speaks for. An anonymous learner's cookie names the learner;
// an account's also names a Session row, and is good only while that row lives (signing out deletes it).
// No database here (proxy.ts reads this module): what the rows say comes in through a SessionLookup.
//
// Two cookies carry a session. Dockyard's own pages use SESSION_COOKIE, SameSite=Lax. A lesson embedded in another
// site's page (app/embed) is a third-party frame, where browsers send no Lax cookie: a document loaded in a frame
// over https gets EMBED_COOKIE instead, SameSite=None; Secure; Partitioned (CHIPS). Why that is safe:
// - Partitioned: the browser keeps it under the top-level site of the page that framed it and sends it only to frames
//   on that same site. It never reaches Dockyard's own pages nor any other site's, so a site that frames Dockyard
//   holds at most sessions begun inside its own frames.
// - SameSite=None lets requests made from another site carry it, so forgery is stopped by the Origin check alone
//   (app/_lib/origin.ts, run by proxy.ts on every state-changing request, API routes and Server Actions alike):
//   the embedded page's own requests come from Dockyard's origin; the framing page's do not and are refused.
//   A browser that ignores Partitioned keeps it as a plain third-party cookie, if it keeps it at all; the same check
//   holds there.
// - It is a cookie of its own: SESSION_COOKIE keeps SameSite=Lax, and a browser that ignores Partitioned cannot let a
//   frame's cookie replace the learner's session on Dockyard's own pages. When both come, SESSION_COOKIE speaks.
// - __Host-: only Dockyard's own host sets it (Secure, Path=/, no Domain), never a sibling host such as a preview's.
// - Pages other than /embed refuse every frame (app/_lib/securityHeaders.ts), so a cookie made in a frame cannot be
//   used to click through the rest of the site inside one.

export const SESSION_COOKIE = "dockyard_session";
export const EMBED_COOKIE = "__Host-dockyard_embed";
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

/** What a request's cookies are read through (Next's request cookies, and `cookies()`). */
interface CookieReader {
  get(name: string): { value: string } | undefined;
}

/** The session token of a request: its SESSION_COOKIE if valid, else its EMBED_COOKIE if valid. */
export function sessionToken(cookies: CookieReader): string | undefined {
  return [SESSION_COOKIE, EMBED_COOKIE].map((name) => cookies.get(name)?.value).find((token) => claimsOf(token) !== undefined);
}

/**
 * Whether a request loads a document into a frame over https: a session begun by it goes in EMBED_COOKIE. Browsers
 * say so in Sec-Fetch-Dest; on plain http (development) there is no Secure cookie, and SESSION_COOKIE serves frames
 * on the same site (another port of localhost), which are the only ones a browser gives cookies there.
 */
export const loadsFrame = (headers: Headers) => secureCookies() && ["iframe", "frame"].includes(headers.get("sec-fetch-dest") ?? "");

const attributes = (framed: boolean) =>
  framed
    ? { name: EMBED_COOKIE, httpOnly: true, path: "/", sameSite: "none" as const, secure: true, partitioned: true }
    : { name: SESSION_COOKIE, httpOnly: true, path: "/", sameSite: "lax" as const, secure: secureCookies() };

const cookie = (claims: SessionClaims, days: number, framed: boolean) => ({
  ...attributes(framed),
  value: issue(secret(), SESSION_TOKEN, { ...claims }, days * 86400),
  maxAge: days * 86400,
});

/** The cookie of a learner without an account: a new anonymous one, or one another system vouched for (app/_lib/identities.ts). */
export const learnerCookie = (learner: string, framed = false) => cookie({ learner }, ANONYMOUS_DAYS, framed);

/** A new anonymous learner and the cookie that carries it (EMBED_COOKIE when `framed`, see loadsFrame). */
export function anonymousSession(framed = false) {
  const learner = crypto.randomUUID();
  return { learner, cookie: learnerCookie(learner, framed) };
}

export const accountCookie = (learner: string, session: string, framed = false) => cookie({ learner, session }, ACCOUNT_SESSION_DAYS, framed);

/** What removes the EMBED_COOKIE (a partitioned cookie is removed only by a Set-Cookie of the same attributes). */
export const expiredEmbedCookie = () => ({ ...attributes(true), value: "", maxAge: 0 });

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
