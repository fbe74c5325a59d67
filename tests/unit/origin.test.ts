import { test } from "node:test";
import assert from "node:assert/strict";
import { crossSiteRefusal } from "../../app/_lib/origin";

// The Origin check proxy.ts makes of every request: which requests that change state it refuses as sent by
// another site's page, against DOCKYARD_PUBLIC_URL's origin when set and the request's own host otherwise.

const PUBLIC = "https://labs.example.org";
const refusal = (method: string, headers: Record<string, string>, publicUrl?: string) =>
  crossSiteRefusal(method, new Headers({ host: "127.0.0.1:3000", ...headers }), publicUrl);

test("reads pass whatever they come from", () => {
  for (const method of ["GET", "HEAD", "OPTIONS"]) assert.equal(refusal(method, { origin: "http://evil.example", "sec-fetch-site": "cross-site" }), undefined);
});

test("without a public address, a request from a page of the host it was sent to passes; any other origin is refused", () => {
  for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
    assert.equal(refusal(method, { origin: "http://127.0.0.1:3000" }), undefined, method);
    assert.match(refusal(method, { origin: "http://evil.example" })!, /another site \(http:\/\/evil\.example\).*127\.0\.0\.1:3000/, method);
  }
  // Another port of the same host is another origin, though same-site: a learner's preview, say.
  assert.ok(refusal("POST", { origin: "http://127.0.0.1:3001" }));
  assert.ok(refusal("POST", { origin: "http://localhost:3000" }));
  // Sandboxed frames and cross-origin redirects send "null"; garbage is no origin either.
  assert.ok(refusal("POST", { origin: "null" }));
  assert.ok(refusal("POST", { origin: "not a url" }));
});

test("with a public address, only its origin passes, whatever host the front server forwarded", () => {
  assert.equal(refusal("DELETE", { origin: PUBLIC }, PUBLIC), undefined);
  assert.equal(refusal("DELETE", { origin: "https://labs.example.org:443" }, `${PUBLIC}/`), undefined);
  assert.equal(refusal("DELETE", { origin: PUBLIC, host: "labs.example.org" }, PUBLIC), undefined);
  assert.match(refusal("DELETE", { origin: "http://127.0.0.1:3000" }, PUBLIC)!, /not from Dockyard's own pages at https:\/\/labs\.example\.org/);
  assert.ok(refusal("DELETE", { origin: "http://labs.example.org" }, PUBLIC), "another scheme");
  assert.ok(refusal("DELETE", { origin: "https://preview.labs.example.org" }, PUBLIC), "a sibling host");
});

test("without Origin, Sec-Fetch-Site decides: only same-origin (or a request the user made) passes", () => {
  assert.equal(refusal("POST", { "sec-fetch-site": "same-origin" }), undefined);
  assert.equal(refusal("POST", { "sec-fetch-site": "none" }), undefined);
  assert.match(refusal("POST", { "sec-fetch-site": "cross-site" })!, /Sec-Fetch-Site: cross-site/);
  assert.ok(refusal("POST", { "sec-fetch-site": "same-site" }));
});

test("a client that sends neither header (curl, scripts) is not a browser and passes", () => {
  assert.equal(refusal("DELETE", {}), undefined);
  assert.equal(refusal("DELETE", {}, PUBLIC), undefined);
});
