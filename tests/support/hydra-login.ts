import http from "node:http";

// The identity provider's own login page in front of Ory Hydra (tests/support/hydra.ts), as a school would run one:
// a real HTML form of username and password over a fixed list of people. It accepts or rejects Hydra's login
// request through Hydra's admin API, grants consent at once (Dockyard is the school's own application), and puts
// each person's email, email_verified and groups into the id_token through the consent session.

/** Hydra's admin API (tests/support/hydra.ts serves it there). */
export const HYDRA_ADMIN = "http://127.0.0.1:4445";

/** A call to Hydra's admin API, its JSON answer. */
export async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${HYDRA_ADMIN}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`hydra admin ${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface HydraUser {
  username: string;
  password: string;
  email: string;
  emailVerified: boolean;
  groups: string[];
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(challenge: string, error?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Example University sign-in</title></head>
<body>
<main>
<h1>Example University sign-in</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/login">
<input type="hidden" name="login_challenge" value="${escape(challenge)}">
<p><label for="username">Username</label> <input id="username" name="username" autocomplete="username" required></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit" name="action" value="login">Log in</button> <button type="submit" name="action" value="cancel" formnovalidate>Cancel</button></p>
</form>
</main>
</body></html>`;
}

async function formOf(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

const redirect = (res: http.ServerResponse, to: string) => void res.writeHead(302, { location: to }).end();
const html = (res: http.ServerResponse, status: number, body: string) => void res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(body);
const challengeQuery = (kind: "login" | "consent", challenge: string) => `${kind}_challenge=${encodeURIComponent(challenge)}`;

async function handle(users: Map<string, HydraUser>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url!, "http://login.invalid");
  if (url.pathname === "/login" && req.method === "GET") return html(res, 200, page(url.searchParams.get("login_challenge") ?? ""));
  if (url.pathname === "/login" && req.method === "POST") {
    const form = await formOf(req);
    const challenge = form.get("login_challenge") ?? "";
    const path = `/admin/oauth2/auth/requests/login`;
    if (form.get("action") === "cancel") {
      const { redirect_to } = await admin<{ redirect_to: string }>("PUT", `${path}/reject?${challengeQuery("login", challenge)}`, {
        error: "access_denied",
        error_description: "The user cancelled signing in.",
      });
      return redirect(res, redirect_to);
    }
    const user = users.get(form.get("username") ?? "");
    if (!user || user.password !== form.get("password")) return html(res, 401, page(challenge, "Wrong username or password."));
    const { redirect_to } = await admin<{ redirect_to: string }>("PUT", `${path}/accept?${challengeQuery("login", challenge)}`, { subject: user.username });
    return redirect(res, redirect_to);
  }
  if (url.pathname === "/consent" && req.method === "GET") {
    const challenge = url.searchParams.get("consent_challenge") ?? "";
    const path = `/admin/oauth2/auth/requests/consent`;
    const asked = await admin<{ subject: string; requested_scope: string[]; requested_access_token_audience: string[] }>(
      "GET",
      `${path}?${challengeQuery("consent", challenge)}`,
    );
    const user = users.get(asked.subject)!;
    const { redirect_to } = await admin<{ redirect_to: string }>("PUT", `${path}/accept?${challengeQuery("consent", challenge)}`, {
      grant_scope: asked.requested_scope,
      grant_access_token_audience: asked.requested_access_token_audience,
      session: { id_token: { email: user.email, email_verified: user.emailVerified, groups: user.groups } },
    });
    return redirect(res, redirect_to);
  }
  html(res, 404, "<p>Not found</p>");
}

/** The login and consent app for these people (a server not yet listening). */
export function loginApp(users: Map<string, HydraUser>): http.Server {
  return http.createServer((req, res) => {
    handle(users, req, res).catch((e: unknown) => html(res, 500, `<p>${escape(String(e))}</p>`));
  });
}
