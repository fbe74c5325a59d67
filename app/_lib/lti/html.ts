import crypto from "node:crypto";
import { Refusal } from "@dockyard/contract";
import { framingOrigin } from "../embedOrigins";
import { FRAME_ANCESTORS_HEADER, frameAncestorsDirective } from "../securityHeaders";

// The small pages LTI route handlers answer inside the LMS's frame: a refusal in plain words, a form the browser
// posts on at once (the Deep Linking response to the LMS), a notice. Each carries its own Content-Security-Policy:
// no script but its own (by nonce), forms only to where they must go, framed only by the origins proxy.ts hands the
// request (its frameable paths'; none for any other).

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The origins that may frame the answer to `req` (proxy.ts's FRAME_ANCESTORS_HEADER), each an exact origin. */
const frameAncestorsOf = (req: Request) => (req.headers.get(FRAME_ANCESTORS_HEADER) ?? "").split(" ").filter((word) => word && framingOrigin(word) === word);

function page(req: Request, status: number, title: string, body: string, directives: string): Response {
  const policy = `${directives}; ${frameAncestorsDirective(frameAncestorsOf(req))}`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)} · Dockyard</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#0f172a}h1{font-size:1.4rem}button{font:inherit;padding:.4rem .9rem}</style></head>
<body><main>${body}</main></body></html>`;
  return new Response(html, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": policy, "cache-control": "no-store" },
  });
}

const NO_SCRIPT = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** A page saying what happened and what to do, answering `req`. */
export const noticePage = (req: Request, status: number, title: string, message: string) =>
  page(req, status, title, `<h1>${escape(title)}</h1><p>${escape(message)}</p>`, NO_SCRIPT);

/** A refusal as a page (status from REFUSALS); anything else thrown is logged and told as Dockyard's own trouble. */
export function refusalPage(req: Request, e: unknown): Response {
  if (!(e instanceof Refusal)) console.error(e);
  const refusal = e instanceof Refusal ? e : new Refusal("internal");
  return noticePage(req, refusal.status, "Dockyard could not open this", refusal.message);
}

/** A form posted at once to `action` (another origin: the LMS), with a button for a browser that runs no script. */
export function autoPostPage(req: Request, action: string, fields: Record<string, string>, title: string): Response {
  const nonce = crypto.randomBytes(16).toString("base64");
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join("");
  const body = `<h1>${escape(title)}</h1><form method="post" action="${escape(action)}" id="lti">${inputs}<button type="submit">Continue</button></form>
<script nonce="${nonce}">document.getElementById("lti").submit()</script>`;
  return page(
    req,
    200,
    title,
    body,
    `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action ${new URL(action).origin}`,
  );
}

/** A page that tells the LMS's window it may close (LTI Dynamic Registration §3.6). */
export function closingPage(req: Request, title: string, message: string): Response {
  const nonce = crypto.randomBytes(16).toString("base64");
  const body = `<h1>${escape(title)}</h1><p>${escape(message)}</p>
<script nonce="${nonce}">(window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*")</script>`;
  return page(req, 200, title, body, `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'`);
}
