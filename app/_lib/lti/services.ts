import type { JWTPayload } from "jose";
import { outboundFetch, outboundUrlRefusal } from "../outboundUrl";
import { signAsTool, type SignOptions } from "./keys";

// Calling an LMS's LTI Advantage services (Assignment and Grade Services, Names and Role Provisioning): an OAuth 2
// access token from the platform's token endpoint (client_credentials, with a JWT client assertion signed by the
// tool's key, RFC 7523), cached per platform and scope until it expires, then the service request itself. One
// error type for this boundary, LtiServiceError, whose message says in plain words what the LMS refused.

/** The services' scopes: those the tool asks an LMS for (tool.ts) and requests tokens for. */
export const SCOPES = {
  lineItem: "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
  result: "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
  score: "https://purl.imsglobal.org/spec/lti-ags/scope/score",
  memberships: "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

const WHAT: Record<Scope, string> = {
  [SCOPES.lineItem]: "the course's gradebook columns",
  [SCOPES.result]: "reading results",
  [SCOPES.score]: "sending scores",
  [SCOPES.memberships]: "the course's roster",
};

/** What a service call needs to know of the platform (an LtiPlatform row). */
export interface PlatformAuth {
  id: string;
  name: string;
  clientId: string;
  authTokenUrl: string;
}

export class LtiServiceError extends Error {
  constructor(
    message: string,
    /** The LMS's HTTP status, if it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ServiceDeps {
  /** Signs the client assertion with the tool's key (keys.ts signAsTool). */
  sign: (claims: JWTPayload, options: SignOptions) => Promise<string>;
  /** Refuses (throws, in plain words) a URL Dockyard must not send requests to. */
  checkUrl: (url: string) => Promise<void> | void;
  /** Sends one request; by default outboundUrl.ts's outboundFetch, which checks each address it connects to. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  now?: () => number;
}

/** Tokens are renewed this long before they expire, so none runs out on its way. */
const EXPIRY_MARGIN_MS = 30_000;
const TIMEOUT_MS = 15_000;

/** The start of a response body, for a message: an LMS's error page can be long. */
const excerpt = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 300);

/** An OAuth error answer's own words ({error, error_description}), else the start of the body. */
function oauthReason(body: string): string {
  const parsed = parseJson(body) as { error?: unknown; error_description?: unknown } | undefined;
  const words = [parsed?.error_description, parsed?.error].find((w) => typeof w === "string" && w);
  return words ? String(words) : excerpt(body) || "no reason given";
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * A site process's client of LTI services: its access tokens, per platform and scope, and the requests made with them.
 * `lti` (below) is the one the site uses; tests make their own with fakes for the boundaries.
 */
export class ServiceClient {
  private readonly tokens = new Map<string, Promise<{ token: string; expiresAt: number }>>();
  private readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
  private readonly now: () => number;

  constructor(private readonly deps: ServiceDeps) {
    this.fetch = deps.fetch ?? ((url, init) => outboundFetch(url, init, TIMEOUT_MS));
    this.now = deps.now ?? Date.now;
  }

  /** A token for `scope` at this platform: the cached one while it is valid, else a new one. */
  async token(platform: PlatformAuth, scope: Scope): Promise<string> {
    const key = `${platform.id}\0${scope}`;
    const cached = this.tokens.get(key);
    if (cached) {
      const held = await cached.catch(() => undefined);
      if (held && held.expiresAt > this.now()) return held.token;
      if (this.tokens.get(key) !== cached) return this.token(platform, scope);
    }
    const asked = this.requestToken(platform, scope);
    this.tokens.set(key, asked);
    // A refusal is not kept: the next call asks again (the admin may have fixed the registration meanwhile).
    asked.catch(() => this.tokens.get(key) === asked && this.tokens.delete(key));
    return (await asked).token;
  }

  /** Calls the service at `url` with a token for `scope`; a token the service refuses (revoked early, say) is renewed once. */
  async call(platform: PlatformAuth, scope: Scope, url: string, init: RequestInit = {}): Promise<Response> {
    await this.deps.checkUrl(url);
    const attempt = async () =>
      this.send(platform, url, { ...init, headers: { ...init.headers, authorization: `Bearer ${await this.token(platform, scope)}` } });
    const answer = await attempt();
    if (answer.status !== 401) return answer;
    this.tokens.delete(`${platform.id}\0${scope}`);
    return attempt();
  }

  /** Every item of a paged list (`field` of each page), following the Link header's rel="next" from page to page. */
  async list<T>(platform: PlatformAuth, scope: Scope, url: string, accept: string, what: string, field?: string): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    for (let page: string | undefined = url; page;) {
      if (seen.has(page)) throw new LtiServiceError(`${platform.name} sent ${what} in pages that lead back to an earlier page (${page}).`);
      seen.add(page);
      const answer = await this.call(platform, scope, page, { headers: { accept } });
      const body = await answer.text();
      if (!answer.ok) throw refusal(platform, what, answer.status, body);
      const parsed = parseJson(body) as Record<string, unknown> | unknown[] | undefined;
      const found = field ? (parsed as Record<string, unknown> | undefined)?.[field] : parsed;
      if (!Array.isArray(found))
        throw new LtiServiceError(`${platform.name} sent ${what} in a form Dockyard does not understand: ${excerpt(body) || "an empty answer"}.`);
      items.push(...(found as T[]));
      page = nextPage(answer.headers.get("link"), page);
    }
    return items;
  }

  private async requestToken(platform: PlatformAuth, scope: Scope): Promise<{ token: string; expiresAt: number }> {
    await this.deps.checkUrl(platform.authTokenUrl);
    const assertion = await this.deps.sign({}, { issuer: platform.clientId, subject: platform.clientId, audience: platform.authTokenUrl, ttlSeconds: 300 });
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
      scope,
    });
    const started = this.now();
    const answer = await this.send(platform, platform.authTokenUrl, { method: "POST", body: form, headers: { accept: "application/json" } });
    const body = await answer.text();
    if (!answer.ok)
      throw new LtiServiceError(
        `${platform.name} refused Dockyard access to ${WHAT[scope]} (HTTP ${answer.status}: ${oauthReason(body)}). ` +
          "Check that the LMS's registration of Dockyard has this service turned on and knows Dockyard's key set (/lti/jwks).",
        answer.status,
      );
    const granted = parseJson(body) as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof granted?.access_token !== "string" || !granted.access_token)
      throw new LtiServiceError(`${platform.name}'s token endpoint answered without an access token: ${excerpt(body) || "an empty answer"}.`, answer.status);
    const lifetimeMs = (typeof granted.expires_in === "number" && granted.expires_in > 0 ? granted.expires_in : 3600) * 1000;
    return { token: granted.access_token, expiresAt: started + lifetimeMs - EXPIRY_MARGIN_MS };
  }

  /** One request to the platform, a network failure told in plain words. */
  private async send(platform: PlatformAuth, url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(url, { ...init, redirect: "error", signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      const { cause, code } = e as { cause?: { code?: string; message?: string }; code?: string };
      throw new LtiServiceError(`Dockyard could not reach ${platform.name} at ${url}: ${cause?.code ?? cause?.message ?? code ?? (e as Error).message}.`);
    }
  }
}

/** The URL a response's Link header names rel="next" (the next page of a list), if any. */
export function nextPage(link: string | null, base: string): string | undefined {
  for (const part of (link ?? "").split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const [, target = "", params = ""] = match;
    const rels = params
      .split(";")
      .map((param) => /^\s*rel\s*=\s*"?([^"]*)"?\s*$/i.exec(param)?.[1])
      .find((rel) => rel !== undefined);
    if (rels?.toLowerCase().split(/\s+/).includes("next")) return new URL(target, base).toString();
  }
  return undefined;
}

/** A service's answer that is not a success, in plain words. */
export function refusal(platform: PlatformAuth, what: string, status: number, body: string): LtiServiceError {
  return new LtiServiceError(`${platform.name} refused ${what} (HTTP ${status}: ${oauthReason(body)}).`, status);
}

/** The site's client: it signs with the tool's key (keys.ts) and sends only where outboundUrl.ts allows. */
export const lti = new ServiceClient({
  sign: signAsTool,
  checkUrl: async (url) => {
    const refused = await outboundUrlRefusal(url);
    if (refused) throw new LtiServiceError(`Dockyard does not send requests to ${url}: ${refused}`);
  },
});
