import http from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "httpxy";
import {
  idPath,
  issue,
  NODE_NAME,
  previewOfHost,
  previewUrl,
  Refusal,
  SANDBOX_ID,
  secureCookies,
  TokenRejected,
  verify,
  type LabClaims,
  sandboxIdFor,
} from "@dockyard/contract/server";
import type { LabManager } from "../labs";
import type { NodeEndpoint } from "../sandbox/driver";
import { authorize } from "./auth";

// The web preview: the learner's app listening on a port of a node of their sandbox, HTTP and WebSocket, at
// <sandbox>-<node>-<port>.<preview domain> when the preview URL is a wildcard (each preview an origin of its own,
// told by the Host header), else at /preview/<sandbox>/<node>/<port>/<path> (contract's preview-address.ts). The
// lesson page links there with a lab token in ?token=; we swap it for a preview cookie scoped to that one host or
// prefix (so the app's relative URLs carry it) and redirect the token out of the address bar. Cookies of
// Dockyard's own never reach the learner's app, and the app's own cookies and redirects are kept inside the prefix.

const PREVIEW_COOKIE = "dockyard_preview";
const PREVIEW_TOKEN = "preview";
/** A preview tab keeps working this long without going back to the lesson page. */
const PREVIEW_TTL_SECONDS = 4 * 3600;
const DOCKYARD_COOKIE = /^dockyard_/;
const PREVIEW_PATH = idPath`/preview/${SANDBOX_ID}/${NODE_NAME}/([1-9]\d{0,4})(/[^?]*)?(\?.*)?`;

interface Target {
  sandbox: string;
  node: string;
  port: number;
  /** /preview/<sandbox>/<node>/<port>, without a trailing slash; empty on a host of the preview's own. */
  prefix: string;
  /** The path the app sees, from its first slash; undefined when the URL stops at the port. */
  path?: string;
  query: string;
}

/** A request on a preview's own host name (whatever its path), or under /preview/. */
export const isPreviewRequest = (req: http.IncomingMessage) => ownHost(req) !== undefined || (req.url?.startsWith("/preview/") ?? false);

function ownHost(req: http.IncomingMessage) {
  const url = previewUrl();
  return url === undefined ? undefined : previewOfHost(req.headers.host, url);
}

export function createPreview(labs: LabManager, secret: string) {
  const proxy = createProxyServer({});
  const targets = new WeakMap<http.IncomingMessage, Target>();

  proxy.on("proxyRes", (upstream, req) => {
    const target = targets.get(req);
    if (target) keepInsidePrefix(upstream, target, req.headers.host);
  });
  proxy.on("error", (err, req, res) => {
    const target = req && targets.get(req);
    if (!(res instanceof http.ServerResponse) || !req || !target) return res?.destroy();
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === "ECONNREFUSED"
        ? `Nothing answers on port ${target.port} of ${target.node}. Is a container publishing it? (docker ps shows the ports.)`
        : `Port ${target.port} of ${target.node} did not answer properly (${code ?? err.message}).`;
    refuse(req, res, new Refusal("upstream_failed", message));
  });

  /** The learner this request comes from, if its preview cookie is for exactly this sandbox, node and port. */
  function admitted(req: http.IncomingMessage, target: Target): LabClaims {
    const tokens = cookieValues(req.headers.cookie, PREVIEW_COOKIE);
    let rejection = new TokenRejected("missing");
    for (const token of tokens) {
      try {
        const { learner = "", lesson = "", sandbox, node, port } = verify(secret, PREVIEW_TOKEN, token);
        const exact = sandbox === target.sandbox && node === target.node && port === String(target.port);
        if (!exact || sandboxIdFor(learner, lesson) !== sandbox) throw new TokenRejected("wrong_sandbox");
        return { learner, sandbox, lesson };
      } catch (e) {
        rejection = e as TokenRejected;
      }
    }
    throw rejection;
  }

  /** Where the request goes (the node's endpoint for the port), once it is admitted; strips Dockyard's cookies and the prefix from it. */
  async function upstream(req: http.IncomingMessage, target: Target): Promise<NodeEndpoint> {
    const claims = admitted(req, target);
    const endpoint = await (await labs.node(claims.sandbox, claims.lesson, target.node)).endpoint(target.port);
    if (!endpoint) throw new Refusal("not_running", "Your sandbox is not running; open the lesson again to start it.");
    const cookies = req.headers.cookie?.split(/;\s*/).filter((c) => !DOCKYARD_COOKIE.test(c));
    if (cookies?.length) req.headers.cookie = cookies.join("; ");
    else delete req.headers.cookie;
    req.url = (target.path ?? "/") + target.query;
    targets.set(req, target);
    return endpoint;
  }

  const forwardedPrefix = (target: Target): Record<string, string> => (target.prefix ? { "x-forwarded-prefix": target.prefix } : {});

  return {
    async web(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
      try {
        const target = parseTarget(req);
        if (target.path === undefined) return redirect(res, `${target.prefix}/${target.query}`);
        const params = new URLSearchParams(target.query);
        const token = params.get("token");
        if (token !== null) {
          if (req.method !== "GET" && req.method !== "HEAD") throw new Refusal("method_not_allowed", "Open the preview with GET.");
          const claims = authorize(secret, token, target.sandbox);
          const preview = issue(secret, PREVIEW_TOKEN, { ...claims, node: target.node, port: String(target.port) }, PREVIEW_TTL_SECONDS);
          params.delete("token");
          const query = params.toString();
          res.setHeader("set-cookie", previewCookie(target, preview));
          return redirect(res, `${target.prefix}${target.path}${query ? `?${query}` : ""}`);
        }
        await proxy.web(req, res, { target: await upstream(req, target), headers: forwardedPrefix(target) });
      } catch (e) {
        refuse(req, res, asRefusal(e));
      }
    },

    async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
      try {
        const target = parseTarget(req);
        if (target.path === undefined) throw new Refusal("not_found", "A preview socket needs a path after the port.");
        await proxy.ws(req, socket as never, { target: await upstream(req, target), headers: forwardedPrefix(target) }, head);
      } catch (e) {
        const refusal = asRefusal(e);
        socket.end(
          `HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify(refusal.body)}`,
        );
      }
    },
  };
}

/** Whether a preview host name may get a certificate (PREVIEW_CERTIFICATE_PATH): so nobody makes the front server ask a certificate authority for made-up names. */
export async function previewCertificateAllowed(labs: LabManager, url: URL): Promise<boolean> {
  const base = previewUrl();
  const target = base === undefined ? undefined : previewOfHost(url.searchParams.get("domain") ?? undefined, base);
  return target !== undefined && (await labs.runs(target.sandbox, target.node));
}

function parseTarget(req: http.IncomingMessage): Target {
  const url = req.url ?? "";
  const own = ownHost(req);
  if (own) {
    const [, path = "/", query = ""] = url.match(/^([^?]*)(\?.*)?$/) ?? [];
    return { ...own, prefix: "", path, query };
  }
  const match = url.match(PREVIEW_PATH);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Refusal("not_found", "There is no such preview. Open it from the lesson page.");
  const [, sandbox, node, , path, query = ""] = match;
  return { sandbox: sandbox!, node: node!, port, prefix: `/preview/${sandbox}/${node}/${port}`, path, query };
}

function previewCookie(target: Target, token: string): string {
  const secure = secureCookies() ? "; Secure" : "";
  return `${PREVIEW_COOKIE}=${token}; Path=${target.prefix}/; Max-Age=${PREVIEW_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure}`;
}

function cookieValues(header: string | undefined, name: string): string[] {
  return (header ?? "")
    .split(/;\s*/)
    .filter((c) => c.startsWith(`${name}=`))
    .map((c) => c.slice(name.length + 1));
}

/** The app's redirects and cookies, which it means for its own root, are moved under the preview's prefix. */
function keepInsidePrefix(upstream: http.IncomingMessage, target: Target, requestHost: string | undefined): void {
  // root-relative, or absolute on the host the app was asked for (the browser's Host header is passed on)
  const [, host, path] = upstream.headers.location?.match(/^(?:https?:\/\/([^/?#]+))?(\/(?!\/)[^]*)?$/) ?? [];
  if ((host || path) && (!host || host === requestHost)) upstream.headers.location = target.prefix + (path ?? "/");
  const cookies = upstream.headers["set-cookie"];
  if (cookies)
    upstream.headers["set-cookie"] = cookies
      .filter((c) => !DOCKYARD_COOKIE.test(c.trimStart()))
      .map((c) => {
        const attributes = c.split(/;\s*/).filter((a) => !/^(domain|path)=/i.test(a));
        const cookiePath = c.match(/;\s*path=(\/[^;]*)/i)?.[1] ?? "/";
        return [...attributes, `Path=${target.prefix}${cookiePath}`].join("; ");
      });
}

function asRefusal(e: unknown): Refusal {
  if (e instanceof TokenRejected) {
    const message: Record<string, string> = {
      missing: "Open this preview from the lesson page: the link there carries your access.",
      expired: "Your access to this preview has expired. Open it again from the lesson page.",
      wrong_sandbox: "This preview belongs to another learner's sandbox, or the link was for another port.",
    };
    return new Refusal(e.reason, message[e.reason] ?? `${e.message} Open the preview from the lesson page.`);
  }
  if (e instanceof Refusal) return e;
  console.error("[lab-runner] preview failed:", e);
  return new Refusal("internal", "The preview failed; try again.");
}

function redirect(res: http.ServerResponse, location: string): void {
  res.writeHead(303, { location, "cache-control": "no-store" });
  res.end();
}

function refuse(req: http.IncomingMessage, res: http.ServerResponse, refusal: Refusal): void {
  if (res.headersSent) return void res.destroy();
  const html = /text\/html/.test(req.headers.accept ?? "");
  res.writeHead(refusal.status, { "content-type": html ? "text/html; charset=utf-8" : "application/json", "cache-control": "no-store" });
  res.end(html ? errorPage(refusal) : JSON.stringify(refusal.body));
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function errorPage(refusal: Refusal): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Preview unavailable</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#0f172a">
<h1 style="font-size:1.4rem">Preview unavailable</h1><p data-error="${escapeHtml(refusal.code)}">${escapeHtml(refusal.message)}</p></body></html>`;
}
