import crypto from "node:crypto";
import { Refusal } from "./refusals";

// Compact HMAC-signed tokens (base64url(payload).base64url(sig)). Several kinds share the mechanism:
// the learner's session cookie (long-lived, names the learner), the lab token (short-lived, binds a
// learner to one sandbox, required by the lab-runner's WebSocket and check endpoints), and the viewer
// tokens (short-lived, let someone the site authorized read one sandbox's recordings or watch its terminal), and
// the admin token (short-lived, lets an admin the site authorized see the host and stop or suspend any lab).

export type TokenError = "missing" | "malformed" | "bad_signature" | "expired" | "wrong_kind" | "wrong_sandbox";

const REASONS: Record<TokenError, string> = {
  missing: "No token was given.",
  malformed: "The token is malformed.",
  bad_signature: "The token's signature is not valid.",
  expired: "The token has expired; reload the page to get a new one.",
  wrong_kind: "This token cannot be used here.",
  wrong_sandbox: "This token was issued for another sandbox.",
};

/** A token refused: a Refusal whose code says why (401, or 403 for another sandbox's). */
export class TokenRejected extends Refusal {
  constructor(reason: TokenError, message = REASONS[reason]) {
    super(reason, message);
  }

  get reason(): TokenError {
    return this.code as TokenError;
  }
}

interface Payload {
  k: string; // kind
  exp: number; // unix seconds
  [claim: string]: unknown;
}

const sign = (secret: string, body: string) => crypto.createHmac("sha256", secret).update(body).digest("base64url");

export function issue(secret: string, kind: string, claims: Record<string, string>, ttlSeconds: number, now = Date.now()): string {
  const body = Buffer.from(JSON.stringify({ ...claims, k: kind, exp: Math.floor(now / 1000) + ttlSeconds })).toString("base64url");
  return `${body}.${sign(secret, body)}`;
}

export function verify(secret: string, kind: string, token: string | null | undefined, now = Date.now()): Record<string, string> {
  if (!token) throw new TokenRejected("missing");
  const [body, sig, extra] = token.split(".");
  if (!body || !sig || extra !== undefined) throw new TokenRejected("malformed");
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) throw new TokenRejected("bad_signature");
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    throw new TokenRejected("malformed");
  }
  if (payload.k !== kind) throw new TokenRejected("wrong_kind", `This is a ${String(payload.k)} token; this needs a ${kind} token.`);
  if (typeof payload.exp !== "number" || payload.exp * 1000 <= now) throw new TokenRejected("expired");
  const claims: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload)) if (typeof value === "string" && key !== "k") claims[key] = value;
  return claims;
}

export const LAB_TOKEN = "lab";
export const SESSION_TOKEN = "session";

export interface LabClaims {
  learner: string;
  sandbox: string;
  lesson: string;
}

export const issueLabToken = (secret: string, c: LabClaims, ttlSeconds: number) =>
  issue(secret, LAB_TOKEN, { learner: c.learner, sandbox: c.sandbox, lesson: c.lesson }, ttlSeconds);

/** Verifies a lab token and that it was issued for this very sandbox. */
export function verifyLabToken(secret: string, token: string | null | undefined, sandboxId: string): LabClaims {
  const claims = verify(secret, LAB_TOKEN, token);
  if (!claims.learner || !claims.sandbox || !claims.lesson) throw new TokenRejected("malformed");
  if (claims.sandbox !== sandboxId) throw new TokenRejected("wrong_sandbox");
  return { learner: claims.learner, sandbox: claims.sandbox, lesson: claims.lesson };
}

export const RECORDING_TOKEN = "recording";
export const WATCH_TOKEN = "watch";

/** What a viewer token grants: the recordings (recording token) or the live terminal (watch token) of one sandbox. */
export interface ViewerClaims {
  sandbox: string;
  lesson: string;
}

export type ViewerKind = typeof RECORDING_TOKEN | typeof WATCH_TOKEN;

/** Issued by the site for whoever it lets look at a lab: the learner themself, or a grader. */
export const issueViewerToken = (secret: string, kind: ViewerKind, c: ViewerClaims, ttlSeconds: number) =>
  issue(secret, kind, { sandbox: c.sandbox, lesson: c.lesson }, ttlSeconds);

/** Verifies a viewer token of this kind and that it was issued for this very sandbox. */
export function verifyViewerToken(secret: string, kind: ViewerKind, token: string | null | undefined, sandboxId: string): ViewerClaims {
  const claims = verify(secret, kind, token);
  if (!claims.sandbox || !claims.lesson) throw new TokenRejected("malformed");
  if (claims.sandbox !== sandboxId) throw new TokenRejected("wrong_sandbox");
  return { sandbox: claims.sandbox, lesson: claims.lesson };
}

export const ADMIN_TOKEN = "admin";

/** What an admin token says: which admin asked (the lab-runner logs it with what it did). */
export interface AdminClaims {
  admin: string;
}

/** Issued by the site for an admin: the host's status and any lab's stop or suspend. */
export const issueAdminToken = (secret: string, c: AdminClaims, ttlSeconds: number) => issue(secret, ADMIN_TOKEN, { admin: c.admin }, ttlSeconds);

export function verifyAdminToken(secret: string, token: string | null | undefined): AdminClaims {
  const claims = verify(secret, ADMIN_TOKEN, token);
  if (!claims.admin) throw new TokenRejected("malformed");
  return { admin: claims.admin };
}
