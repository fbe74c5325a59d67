import { ISSUER, type HydraClient } from "./hydra";

// A sign-in walked without a browser: a cookie jar that follows redirects one by one, so a test can stop at the
// redirect back to Dockyard (and arrange the relay) before delivering it, and post the provider's login form as a
// browser would. The browser itself signs in through the same pages in tests/e2e/sso.spec.ts.

const isRedirect = (status: number) => status >= 300 && status < 400;

export class Walk {
  /** Cookies by name: Dockyard's and Hydra's names differ, and all live on 127.0.0.1. */
  private jar = new Map<string, string>();

  private keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const [name, ...value] = pair!.split("=");
      const gone = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (gone) this.jar.delete(name!.trim());
      else this.jar.set(name!.trim(), value.join("="));
    }
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.jar].map(([n, v]) => `${n}=${v}`).join("; ");
    const response = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), ...(cookie && { cookie }) } });
    this.keep(response);
    return response;
  }

  /** Follows redirects from `url` until a page answers, or until the next one would go where `stop` says (returned, not fetched). */
  async follow(url: string, stop: (next: URL) => boolean = () => false): Promise<{ url: string; response?: Response; visited: string[] }> {
    const visited: string[] = [];
    let at = url;
    for (let hops = 0; hops < 20; hops++) {
      visited.push(at);
      const response = await this.fetch(at);
      if (!isRedirect(response.status)) return { url: at, response, visited };
      at = new URL(response.headers.get("location")!, at).href;
      if (stop(new URL(at))) return { url: at, visited };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Posts the provider's login form (its challenge from `loginPage`) and follows until the redirect back to `redirectUri`. */
  async logIn(loginPage: string, username: string, password: string, action: "login" | "cancel" = "login"): Promise<string> {
    const challenge = new URL(loginPage).searchParams.get("login_challenge")!;
    const posted = await this.fetch(new URL("/login", loginPage).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ login_challenge: challenge, username, password, action }).toString(),
    });
    if (!isRedirect(posted.status)) throw new Error(`the login page answered ${posted.status}: ${await posted.text()}`);
    const back = await this.follow(posted.headers.get("location")!, (next) => next.pathname.endsWith("/callback"));
    if (back.response) throw new Error(`the sign-in stopped at ${back.url} (${back.response.status}): ${await back.response.text()}`);
    return back.url;
  }
}

/** Dockyard's sign-in up to the provider's login page: the page's address and the nonce Dockyard sent. */
export async function startDockyardSignIn(walk: Walk, siteUrl: string): Promise<{ loginPage: string; nonce: string }> {
  const { url, visited } = await walk.follow(`${siteUrl}/auth/oidc/start`);
  const authorize = visited.map((u) => new URL(u)).find((u) => u.href.startsWith(`${ISSUER}oauth2/auth`));
  if (!authorize) throw new Error(`the sign-in did not reach the provider: ${visited.join(" → ")}`);
  return { loginPage: url, nonce: authorize.searchParams.get("nonce")! };
}

/** Delivers the provider's redirect to Dockyard's callback, and answers the page it lands on: its path and its text. */
export async function finishDockyardSignIn(walk: Walk, callback: string): Promise<{ path: string; text: string }> {
  const landed = await walk.follow(callback);
  const body = await landed.response!.text();
  return { path: new URL(landed.url).pathname, text: textOf(body) };
}

/** The visible text of an HTML page, roughly (tags and React's comments dropped). */
export const textOf = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");

/** Who Dockyard says is signed in in this jar: "<email> <role>", or undefined. */
export async function signedInAs(walk: Walk, siteUrl: string): Promise<string | undefined> {
  const html = await (await walk.fetch(`${siteUrl}/`)).text();
  const match = html.match(/data-testid="signed-in-as">([\s\S]*?)<\/span><\/span>/);
  return match ? textOf(match[1]!).trim() : undefined;
}

/**
 * An id_token Hydra really issues to `client` for `username`, through Hydra's own pages and token endpoint: the test
 * as a relying party of its own, asking for `nonce`.
 */
export async function idTokenFrom(client: HydraClient, username: string, password: string, nonce: string): Promise<string> {
  const walk = new Walk();
  const authorize = new URL(`${ISSUER}oauth2/auth`);
  authorize.search = new URLSearchParams({
    client_id: client.clientId,
    response_type: "code",
    scope: "openid email profile",
    redirect_uri: client.redirectUri,
    state: "test-state-0123456789",
    nonce,
  }).toString();
  const { url: loginPage } = await walk.follow(authorize.href);
  const back = new URL(await walk.logIn(loginPage, username, password));
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`no code in ${back.href}`);
  const answer = await fetch(`${ISSUER}oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: client.redirectUri,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }).toString(),
  });
  if (!answer.ok) throw new Error(`hydra's token endpoint answered ${answer.status}: ${await answer.text()}`);
  return ((await answer.json()) as { id_token: string }).id_token;
}
