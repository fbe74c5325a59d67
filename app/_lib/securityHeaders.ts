// The headers that tell browsers what Dockyard's responses may do: who may frame them, what a page may load and
// run, and what leaves in a Referer. The fixed ones go on every response, static files under /_next included
// (next.config.ts); the Content-Security-Policy is per request (proxy.ts), since a page's carries a fresh nonce.
// No imports: next.config.ts reads this module before anything is built.

/** Sent with every response (next.config.ts `headers()`). */
export const FIXED_HEADERS: { key: string; value: string }[] = [
  // No other site may frame Dockyard (clickjacking); the CSP's frame-ancestors says the same to newer browsers.
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  // A Referer only to Dockyard itself: invite links (/join/<code>) and lesson addresses never reach the learner's
  // previews (their own origin) or any other site. Not no-referrer: under it browsers send `Origin: null` on
  // same-origin POSTs, which the Origin check (and Next's own, for Server Actions) would then refuse.
  { key: "Referrer-Policy", value: "same-origin" },
];

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
}

/**
 * A page's policy. Scripts run only with this response's nonce (Next puts it on its own scripts and inline
 * payloads) or when loaded by such a script ('strict-dynamic': the chunks of xterm, CodeMirror and asciinema-player),
 * so an injected <script> or on…= attribute never runs.
 */
export function pagePolicy({ nonce, dev, terminalUrl }: PagePolicyOptions): string {
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
    "frame-ancestors 'none'",
  ].join("; ");
}
