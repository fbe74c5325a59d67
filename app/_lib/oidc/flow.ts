import * as client from "openid-client";
import { issue, secret, secureCookies, verify } from "@dockyard/contract/server";
import { providerConfiguration, type OidcSettings } from "./provider";
import { SsoProblem } from "./problems";

// One sign-in through the provider: authorization code flow with PKCE, state and nonce. What the callback needs to
// check the answer (the PKCE verifier, the state, the nonce) and where to land after (`next`, an invite) travel in a
// short-lived, signed, HttpOnly cookie scoped to /auth/oidc; SameSite=Lax lets the provider's top-level redirect
// back carry it.

export const FLOW_COOKIE = "dockyard_oidc_flow";
const FLOW_TOKEN = "oidc-flow";
const FLOW_SECONDS = 600;

/** Where to land after signing in, carried through the provider. */
export interface Landing {
  next?: string;
  invite?: string;
}

export interface SignedInClaims {
  subject: string;
  email?: string;
  emailVerified: boolean;
  claims: Record<string, unknown>;
}

function flowCookie(value: string, maxAge: number) {
  return { name: FLOW_COOKIE, value, httpOnly: true, sameSite: "lax" as const, path: "/auth/oidc", maxAge, secure: secureCookies() };
}

export const clearedFlowCookie = () => flowCookie("", 0);

async function configuration(settings: OidcSettings): Promise<client.Configuration> {
  try {
    return await providerConfiguration(settings);
  } catch (e) {
    throw new SsoProblem("unreachable", settings.name, e);
  }
}

/** The provider's authorization URL to send the browser to, and the cookie that remembers this attempt. */
export async function startSignIn(settings: OidcSettings, landing: Landing) {
  const config = await configuration(settings);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  // The role claim is often a scope of its own (Dex, Keycloak's `groups`): asked for when the provider offers it.
  const offered = config.serverMetadata().scopes_supported ?? [];
  const scope = ["openid", "email", "profile", ...(offered.includes(settings.roleClaim) ? [settings.roleClaim] : [])].join(" ");
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: settings.redirectUri,
    scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  const remembered = { state, nonce, verifier, ...(landing.next && { next: landing.next }), ...(landing.invite && { invite: landing.invite }) };
  return { url, cookie: flowCookie(issue(secret(), FLOW_TOKEN, remembered, FLOW_SECONDS), FLOW_SECONDS) };
}

/**
 * The provider's answer at the redirect URI (its query), checked by openid-client against the attempt this browser
 * started: the code exchanged with the PKCE verifier, the id_token's signature, issuer, audience, expiry and nonce.
 */
export async function finishSignIn(
  settings: OidcSettings,
  query: URLSearchParams,
  flowValue: string | undefined,
): Promise<{ identity: SignedInClaims; landing: Landing }> {
  let flow: Record<string, string>;
  try {
    flow = verify(secret(), FLOW_TOKEN, flowValue);
  } catch (e) {
    throw new SsoProblem("stale", settings.name, e);
  }
  // The provider's refusal (error=access_denied…) comes with the state of the attempt, checked by openid-client below.
  if (!query.has("error") && query.get("state") !== flow.state) throw new SsoProblem("stale", settings.name);
  const config = await configuration(settings);
  const answered = new URL(settings.redirectUri);
  answered.search = query.toString();
  const tokens = await client.authorizationCodeGrant(config, answered, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims()!;
  const email = typeof claims.email === "string" ? claims.email : undefined;
  // Microsoft Entra ID sends no email_verified; its optional claim xms_edov says the email's domain is the tenant's own.
  const emailVerified = claims.email_verified === true || claims.xms_edov === true;
  return { identity: { subject: claims.sub, email, emailVerified, claims }, landing: { next: flow.next, invite: flow.invite } };
}
