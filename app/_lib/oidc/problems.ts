import * as client from "openid-client";
import { Refusal, REFUSALS, type RefusalCode } from "@dockyard/contract";

// What went wrong with a single sign-on, in plain words for the person signing in. The callback sends them to the
// error page with one of these reasons (a fixed key, so a link cannot make Dockyard's page say anything else); the
// provider's own words and the library's error go to the site's log for the admin, never to the page.

export const PROBLEMS = {
  off: ["sso_off", () => REFUSALS.sso_off.message],
  denied: [
    "sso_denied",
    (p) => `You cancelled signing in with ${p}, or ${p} did not allow it, so you were not signed in. Try again, or ask whoever runs ${p} for access.`,
  ],
  provider_error: [
    "sso_refused",
    (p) => `${p} could not complete the sign-in, so you were not signed in. Try again; if it keeps failing, tell your Dockyard admin.`,
  ],
  code_refused: ["sso_refused", (p) => `${p} refused to finish the sign-in: it took too long or was already used. Start again.`],
  stale: ["sso_refused", () => "This sign-in was not started in this browser, or took longer than 10 minutes, so it was not accepted. Start again."],
  wrong_audience: [
    "sso_refused",
    (p) =>
      `${p} answered with a sign-in meant for another application, so Dockyard did not accept it. Start again; if it keeps happening, tell your Dockyard admin.`,
  ],
  wrong_nonce: [
    "sso_refused",
    (p) =>
      `${p} answered with a sign-in that belongs to another attempt, so Dockyard did not accept it. Start again; if it keeps happening, tell your Dockyard admin.`,
  ],
  expired: [
    "sso_refused",
    (p) =>
      `${p} answered with a sign-in that had already expired, so Dockyard did not accept it. Start again; if it keeps happening, this server's clock may be wrong: tell your Dockyard admin.`,
  ],
  untrusted: [
    "sso_refused",
    (p) => `${p} answered with a sign-in Dockyard could not verify, so it was not accepted. Start again; if it keeps happening, tell your Dockyard admin.`,
  ],
  no_email: [
    "sso_refused",
    (p) =>
      `${p} did not give Dockyard a verified email address for your account, so Dockyard cannot tell which account is yours. Verify your email address with ${p} (or ask whoever runs it), then sign in again.`,
  ],
  conflict: [
    "sso_refused",
    () =>
      "The Dockyard account with your email address is already linked to another person at this sign-in service, so it was not opened. Ask a Dockyard admin to check the account.",
  ],
  unreachable: [
    "sso_unavailable",
    (p) => `${p} is not reachable now, so you cannot sign in with it. Try again in a minute; if it keeps failing, tell your Dockyard admin.`,
  ],
} as const satisfies Record<string, readonly [RefusalCode, (provider: string) => string]>;

export type Problem = keyof typeof PROBLEMS;

export const isProblem = (value: string | undefined): value is Problem => value !== undefined && Object.hasOwn(PROBLEMS, value);

/** A sign-in that did not complete, and why. */
export class SsoProblem extends Refusal {
  constructor(
    readonly problem: Problem,
    provider: string,
    readonly detail?: unknown,
  ) {
    super(PROBLEMS[problem][0], PROBLEMS[problem][1](provider));
  }
}

/** The claim an id_token check of openid-client (oauth4webapi) found wrong: aud, nonce, exp… */
function failedClaim(e: client.ClientError): unknown {
  const cause = e.cause as { cause?: { claim?: unknown } } | undefined;
  return cause?.cause?.claim;
}

/** The reason behind an error of the code exchange or the id_token's validation. */
export function problemOf(e: unknown): Problem {
  if (e instanceof SsoProblem) return e.problem;
  if (e instanceof client.AuthorizationResponseError) return e.error === "access_denied" ? "denied" : "provider_error";
  if (e instanceof client.ResponseBodyError) return e.error === "invalid_grant" ? "code_refused" : "provider_error";
  if (e instanceof client.ClientError) {
    if (e.code === "OAUTH_JWT_TIMESTAMP_CHECK_FAILED") return failedClaim(e) === "exp" ? "expired" : "untrusted";
    if (e.code === "OAUTH_JWT_CLAIM_COMPARISON_FAILED") {
      const claim = failedClaim(e);
      return claim === "aud" ? "wrong_audience" : claim === "nonce" ? "wrong_nonce" : "untrusted";
    }
    if (e.code === "OAUTH_TIMEOUT" || e.code === "OAUTH_ABORT") return "unreachable";
    return "untrusted";
  }
  if (e instanceof TypeError) return "unreachable"; // fetch could not reach the provider
  throw e;
}
