import { test } from "node:test";
import assert from "node:assert/strict";
import { getPathMatch } from "next/dist/shared/lib/router/utils/path-match.js";
import {
  API_POLICY,
  ASSET_POLICY,
  EMBED_PATH,
  FIXED_HEADERS,
  FRAME_DENY_HEADERS,
  FRAME_DENY_SOURCE,
  FRAMEABLE_PATH,
  newNonce,
  pagePolicy,
  STATIC_POLICY,
} from "../../app/_lib/securityHeaders";

// The policies and fixed headers the site sends (tests/e2e/web-front.spec.ts checks them on real responses).

const directives = (policy: string) => new Map(policy.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1).join(" ")]));
const page = (dev = false) => directives(pagePolicy({ nonce: "abc123", dev, terminalUrl: "wss://labs.example.org/sandboxes" }));

test("a page runs scripts only with its nonce or loaded by one; WebAssembly compiles, JavaScript eval only under next dev", () => {
  assert.equal(page().get("script-src"), "'self' 'nonce-abc123' 'strict-dynamic' 'wasm-unsafe-eval'");
  assert.equal(page(true).get("script-src"), "'self' 'nonce-abc123' 'strict-dynamic' 'wasm-unsafe-eval' 'unsafe-eval'");
  assert.equal(page().get("object-src"), "'none'");
  assert.equal(page().get("base-uri"), "'none'");
});

test("a page may not be framed, posts forms only to Dockyard, and connects only to Dockyard and the terminal's origin", () => {
  assert.equal(page().get("frame-ancestors"), "'none'");
  assert.equal(page().get("form-action"), "'self'");
  assert.equal(page().get("connect-src"), "'self' wss://labs.example.org");
  assert.equal(directives(pagePolicy({ nonce: "n", dev: false, terminalUrl: "ws://localhost:3001" })).get("connect-src"), "'self' ws://localhost:3001");
});

test("API answers, lesson files and static files load nothing and are framed by no one", () => {
  for (const policy of [API_POLICY, ASSET_POLICY, STATIC_POLICY]) {
    assert.equal(directives(policy).get("default-src"), "'none'", policy);
    assert.equal(directives(policy).get("frame-ancestors"), "'none'", policy);
    assert.equal(directives(policy).get("script-src"), undefined, policy);
  }
});

test("every response says: no sniffing, no Referer to other origins; every one but an embedded lesson's: no framing", () => {
  assert.deepEqual(Object.fromEntries(FIXED_HEADERS.map((h) => [h.key, h.value])), {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
  });
  assert.deepEqual(Object.fromEntries(FRAME_DENY_HEADERS.map((h) => [h.key, h.value])), { "X-Frame-Options": "DENY" });
  // As next.config.ts `headers()` matches its sources.
  const denied = getPathMatch(FRAME_DENY_SOURCE);
  for (const path of [
    "/",
    "/lessons/first-container",
    "/admin",
    "/embedded",
    "/api/embed/session",
    "/_next/static/chunks/app.js",
    "/lessons/x/assets/embed/a.svg",
  ])
    assert.notEqual(denied(path), false, path);
  for (const path of ["/embed", "/embed/", "/embed/lessons/first-container"]) assert.equal(denied(path), false, path);
  assert.deepEqual(
    ["/embed/lessons/a", "/embed", "/embedded", "/lessons/a", "/api/embed/session"].filter((p) => EMBED_PATH.test(p)),
    ["/embed/lessons/a", "/embed"],
  );
});

test("the pages an LMS shows in its frame during LTI may be framed (by the allowed origins) as the embedded lesson is; no other LTI page", () => {
  const denied = getPathMatch(FRAME_DENY_SOURCE);
  const frameable = ["/embed", "/embed/lessons/a", "/embed/courses/c-1", "/lti/login", "/lti/launch", "/lti/deep-link", "/lti/deep-link/respond"];
  const not = [
    "/",
    "/embedded",
    "/lessons/a",
    "/cohorts/c-1",
    "/lti/register",
    "/lti/register/complete",
    "/lti/jwks",
    "/lti/config",
    "/lti/login/x",
    "/admin/lti",
    "/api/embed/session",
  ];
  for (const path of frameable) {
    assert.ok(FRAMEABLE_PATH.test(path), path);
    assert.equal(denied(path), false, `${path}: no X-Frame-Options`);
  }
  for (const path of not) {
    assert.ok(!FRAMEABLE_PATH.test(path), path);
    assert.notEqual(denied(path), false, `${path}: X-Frame-Options DENY`);
  }
});

test("an embedded lesson's page may be framed by the allowed origins only; with none allowed, by no one", () => {
  const embedded = (frameAncestors: string[]) =>
    directives(pagePolicy({ nonce: "n", dev: false, terminalUrl: "wss://labs.example.org/sandboxes", frameAncestors })).get("frame-ancestors");
  assert.equal(embedded(["https://lms.example.edu", "https://blog.example.org"]), "https://lms.example.edu https://blog.example.org");
  assert.equal(embedded([]), "'none'");
});

test("nonces are 128 random bits, a new one each time", () => {
  const nonces = new Set(Array.from({ length: 100 }, newNonce));
  assert.equal(nonces.size, 100);
  for (const nonce of nonces) assert.equal(Buffer.from(nonce, "base64").length, 16);
});
