// The headers that tell browsers what Dockyard's responses may do: who may frame them, what a page may load and
// run, and what leaves in a Referer. The fixed ones go on every response, static files under /_next included
// (next.config.ts); the Content-Security-Policy is per request (proxy.ts), since a page's carries a fresh nonce.
// No imports: next.config.ts reads this module before anything is built.
//
// Framing: only the pages FRAMEABLE lists may be framed, and only by the origins an admin allows and those of the
// registered LMSes (app/_lib/embedOrigins.ts); their policy's frame-ancestors names them. Everything else says no
// twice: frame-ancestors 'none' and X-Frame-Options DENY (for browsers that predate frame-ancestors). X-Frame-Options
// can name no list of origins, so the frameable pages go without it.

/** The embedded layout's pages (app/embed): one lesson without the site's navigation. */
export const EMBED_PATH = /^\/embed(\/|$)/;

/**
 * The one list of paths that may be framed (path patterns, anchored at both ends below): the embedded layout, and
 * what an LMS shows in its frame during LTI: the login initiation and the launch (a refusal, in plain words, is a
 * page of theirs), the Deep Linking lesson picker and its auto-posted response to the LMS.
 */
const FRAMEABLE = ["embed(?:/.*)?", "lti/login", "lti/launch", "lti/deep-link", "lti/deep-link/respond"];

/** The pages that may be framed (by the allowed origins only): proxy.ts gives them their frame-ancestors. */
export const FRAMEABLE_PATH = new RegExp(`^/(?:${FRAMEABLE.join("|")})$`);

/** Sent with every response (next.config.ts `headers()`). */
export const FIXED_HEADERS: { key: string; value: string }[] = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  // A Referer only to Dockyard itself: invite links (/join/<code>) and lesson addresses never reach the learner's
  // previews (their own origin) or any other site. Not no-referrer: under it browsers send `Origin: null` on
  // same-origin POSTs, which the Origin check (and Next's own, for Server Actions) would then refuse.
  { key: "Referrer-Policy", value: "same-origin" },
];

/** Sent with every response but the frameable pages' (next.config.ts): no other site may frame Dockyard (clickjacking). */
export const FRAME_DENY_HEADERS: { key: string; value: string }[] = [{ key: "X-Frame-Options", value: "DENY" }];
/** The paths FRAME_DENY_HEADERS go with, in next.config.ts `headers()` syntax: every one but FRAMEABLE's. */
export const FRAME_DENY_SOURCE = `/:path((?!(?:${FRAMEABLE.join("|")})$).*)`;

/**
 * The request header in which proxy.ts hands the origins that may frame a page to the LTI route handlers that
 * write their own policy (app/_lib/lti/html.ts); proxy.ts always sets it for them, whatever a client sent.
 */
export const FRAME_ANCESTORS_HEADER = "x-dockyard-frame-ancestors";

/** The frame-ancestors directive for these origins: 'none' when there are none. */
export const frameAncestorsDirective = (origins: string[]) => `frame-ancestors ${origins.length > 0 ? origins.join(" ") : "'none'"}`;

/** Static files under /_next (scripts, styles, fonts): never a document, so they may load nothing themselves. */
export const STATIC_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** API answers are data (JSON, recordings, downloads): opened as a document, they may load and run nothing. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Files beside a lesson (app/lessons/[slug]/assets): an SVG may carry script, and served from this origin it must not run. */
export const ASSET_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/** A fresh, unguessable nonce for one page (base64 of 128 random bits). */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

export interface PagePolicyOptions {
  nonce: string;
  /** Under `next dev`, React rebuilds server errors' stacks in the browser with eval. */
  dev: boolean;
  /** Where the browser opens terminal and live-view WebSockets (the lab-runner's public address, ws: or wss:). */
  terminalUrl: string;
  /** The origins that may frame this page (a FRAMEABLE_PATH page's allowed origins); none for every other page. */
  frameAncestors?: string[];
}

/**
 * A page's policy. Scripts run only with this response's nonce (Next puts it on its own scripts and inline
 * payloads) or when loaded by such a script ('strict-dynamic': the chunks of xterm, CodeMirror and asciinema-player),
 * so an injected <script> or on…= attribute never runs.
 */
export function pagePolicy({ nonce, dev, terminalUrl, frameAncestors = [] }: PagePolicyOptions): string {
  const terminalOrigin = new URL(terminalUrl).origin;
  return [
    "default-src 'self'",
    // 'wasm-unsafe-eval' lets WebAssembly compile (asciinema-player's terminal emulator is WASM), not JavaScript eval.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic' 'wasm-unsafe-eval'${dev ? " 'unsafe-eval'" : ""}`,
    // Styles may be inline: xterm.js and asciinema-player add <style> elements that carry no nonce, and pages set
    // style attributes (a progress bar's width). CSS cannot run script; what an injected style could still leak
    // (attribute values) needs markup injected first, which React's escaping and the script policy stand against.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${terminalOrigin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    frameAncestorsDirective(frameAncestors),
  ].join("; ");
}
