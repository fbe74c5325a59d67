import crypto from "node:crypto";
import { issue, Refusal, secret, secureCookies, verify } from "@dockyard/contract/server";
import { platformOf } from "./platforms";
import { toolUrls } from "./tool";

// OpenID Connect third-party login initiation (LTI Security §5.1.1): the LMS sends the browser here; Dockyard
// answers with the authentication request to the platform, and remembers the request's state and nonce in a
// short-lived signed cookie of this browser, which the launch (launch.ts) must bring back.
//
// The cookie is named after its state, so several launches at once (two course links in one page) do not clobber
// each other. On an https site it is SameSite=None; Secure, so the browser sends it with the LMS's cross-site
// POST of the launch, and Partitioned (CHIPS): inside the LMS's iframe it is a third-party cookie, which Chromium
// keeps only partitioned, under the LMS page's site; the login and the launch happen in that same frame, so the
// launch finds it there (opened in a window of its own, both happen under Dockyard's own site: the same partition).
// On plain http (localhost development) browsers refuse SameSite=None without Secure, so it is Lax: it then reaches
// Dockyard only when the LMS is on the same site (e.g. both on localhost), which is how the node tests run.

const STATE_TOKEN = "lti-state";
const STATE_SECONDS = 600;
const STATE = /^[A-Za-z0-9_-]{22}$/;

export const stateCookieName = (state: string) => `dockyard_lti_${state}`;

interface StateCookie {
  name: string;
  value: string;
  httpOnly: true;
  sameSite: "none" | "lax";
  secure: boolean;
  partitioned: boolean;
  path: string;
  maxAge: number;
}

export interface LoginAnswer {
  /** The platform's authorization endpoint with the authentication request. */
  redirect: string;
  cookie: StateCookie;
}

/** The state cookie of `state` (its value and lifetime given); over https SameSite=None, Secure and Partitioned. */
function stateCookie(state: string, value: string, maxAge: number): StateCookie {
  const secure = secureCookies();
  return { name: stateCookieName(state), value, httpOnly: true, sameSite: secure ? "none" : "lax", secure, partitioned: secure, path: "/lti/", maxAge };
}

/** What removes the state cookie once its launch came (a partitioned cookie is removed only with the same attributes). */
export const spentStateCookie = (state: string) => stateCookie(state, "", 0);

const param = (params: URLSearchParams, name: string) => params.get(name)?.trim() || undefined;

/** The authentication request for a login initiation's parameters (from its query or form), or a Refusal. */
export async function startLogin(params: URLSearchParams, site: string): Promise<LoginAnswer> {
  const issuer = param(params, "iss");
  const loginHint = param(params, "login_hint");
  if (!issuer || !loginHint)
    throw new Refusal("lti_invalid", "This LMS started a launch without saying who it is (iss) or who is launching (login_hint), so it was refused.");
  const platform = await platformOf(issuer, param(params, "client_id"));
  const state = crypto.randomBytes(16).toString("base64url");
  const nonce = crypto.randomBytes(16).toString("base64url");
  const request = new URL(platform.authLoginUrl);
  const query: Record<string, string | undefined> = {
    scope: "openid",
    response_type: "id_token",
    response_mode: "form_post",
    prompt: "none",
    client_id: platform.clientId,
    redirect_uri: toolUrls(site).launch,
    login_hint: loginHint,
    lti_message_hint: param(params, "lti_message_hint"),
    state,
    nonce,
  };
  for (const [name, value] of Object.entries(query)) if (value !== undefined) request.searchParams.set(name, value);
  return { redirect: request.href, cookie: stateCookie(state, issue(secret(), STATE_TOKEN, { nonce, platform: platform.id }, STATE_SECONDS), STATE_SECONDS) };
}

/** The nonce and platform the login step remembered for `state`, from its cookie; a Refusal when it is missing, forged or old. */
export function rememberedLogin(state: string | undefined, cookieValue: string | undefined): { nonce: string; platformId: string } {
  if (!state || !STATE.test(state) || !cookieValue) throw new Refusal("lti_state");
  try {
    const { nonce, platform } = verify(secret(), STATE_TOKEN, cookieValue);
    if (nonce && platform) return { nonce, platformId: platform };
  } catch {}
  throw new Refusal("lti_state");
}
