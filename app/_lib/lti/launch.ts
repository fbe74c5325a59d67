import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from "jose";
import { Refusal } from "@dockyard/contract";
import { db, isUniqueViolation } from "@/app/_lib/db";
import { outboundFetch, OutboundRefused } from "@/app/_lib/outboundUrl";
import { readLaunch, type LtiLaunch } from "./claims";
import { platformById, type Platform } from "./platforms";

// An LTI launch arriving (the LMS's form post of an id_token to /lti/launch): its token verified with jose against
// the platform's published keys (signature, iss = the platform, aud = Dockyard's client id, exp, iat), its claims
// checked (claims.ts), its nonce used once (LtiNonce) and equal to the one this browser's login step asked for.

/**
 * One key set per JWKS URL: jose caches the keys and fetches again when a token names a kid it has not seen. The
 * LMS names the URL, so it is fetched as every LMS request is (outboundUrl.ts: no private address, no redirect).
 */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const keySetOf = (url: string) =>
  keySets.get(url) ?? keySets.set(url, createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, [customFetch]: outboundFetch })).get(url)!;

const CLOCK_SKEW_SECONDS = 30;
const MAX_TOKEN_AGE = "1 hour";

function refusalOf(e: unknown, platform: Platform): Refusal {
  if (e instanceof errors.JWTExpired) return new Refusal("lti_expired");
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys)
    return new Refusal("lti_bad_signature");
  if (e instanceof errors.JWTClaimValidationFailed) {
    const which = { iss: "issuer (iss) is not", aud: "audience (aud) is not Dockyard's client id at" }[e.claim];
    const told = which ? `its ${which} ${platform.name}` : `its ${e.claim} claim ${e.reason === "missing" ? "is missing" : "is not valid"}`;
    return new Refusal("lti_invalid", `Your LMS sent a launch Dockyard cannot use: ${told}. Ask your LMS administrator to check Dockyard's registration.`);
  }
  if (e instanceof OutboundRefused)
    return new Refusal("lti_invalid", `Dockyard does not fetch your LMS's keys from ${platform.jwksUrl}, so the launch could not be checked: ${e.message}`);
  // A system error (connection refused, reset, name not found) came from reaching the keys.
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid || typeof (e as NodeJS.ErrnoException).syscall === "string")
    return new Refusal(
      "lti_invalid",
      `Dockyard could not read your LMS's keys at ${platform.jwksUrl}, so the launch could not be checked. Try again in a minute.`,
    );
  if (e instanceof errors.JOSEError) return new Refusal("lti_invalid", "Your LMS sent a launch token Dockyard cannot read, so it was refused.");
  return Refusal.from(e, "internal");
}

/** Spends a nonce: a second launch carrying it is a replay. Nonces whose tokens expired are forgotten on the way. */
async function spendNonce(platformId: string, nonce: string, expiresAt: Date, now = new Date()): Promise<void> {
  await db.ltiNonce.deleteMany({ where: { expiresAt: { lt: now } } });
  try {
    await db.ltiNonce.create({ data: { platformId, nonce, expiresAt } });
  } catch (e) {
    if (isUniqueViolation(e)) throw new Refusal("lti_replayed");
    throw e;
  }
}

/** The verified launch of `idToken`, for the login this browser started (login.ts rememberedLogin), or a Refusal. */
export async function verifyLaunch(
  idToken: string | undefined,
  remembered: { nonce: string; platformId: string },
): Promise<{ platform: Platform; launch: LtiLaunch }> {
  if (!idToken) throw new Refusal("lti_invalid", "Your LMS sent a launch without its token (id_token), so it was refused.");
  const platform = await platformById(remembered.platformId);
  if (!platform) throw new Refusal("lti_unknown_platform", "The LMS this launch started from is no longer registered with Dockyard, so it was refused.");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keySetOf(platform.jwksUrl), {
      issuer: platform.issuer,
      audience: platform.clientId,
      algorithms: ["RS256"],
      requiredClaims: ["iat", "exp", "nonce"],
      // An id_token is posted the moment it is made: one issued long ago (or in the future) is not a fresh launch.
      maxTokenAge: MAX_TOKEN_AGE,
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (e) {
    throw refusalOf(e, platform);
  }
  const launch = readLaunch(payload, platform);
  const nonce = String(payload.nonce);
  await spendNonce(platform.id, nonce, new Date((payload.exp! + CLOCK_SKEW_SECONDS) * 1000));
  if (nonce !== remembered.nonce) throw new Refusal("lti_state");
  return { platform, launch };
}
