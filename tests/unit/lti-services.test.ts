import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from "jose";
import { lessonReport } from "../../app/_lib/evidence";
import { rosterSummary } from "../../app/_lib/lti/roster";
import { scoreOf } from "../../app/_lib/lti/scores";
import { LtiServiceError, nextPage, SCOPES, ServiceClient, type PlatformAuth } from "../../app/_lib/lti/services";
import type { Lesson, Step } from "@dockyard/contract/server";

// LTI Advantage services on hand-made records and a fake LMS: the score a lesson comes to and its comment, the
// access token cache, the plain words of a refusal, and paged lists.

const step = (id: string, graded: boolean): Step =>
  ({ id, title: `Step ${id}`, checks: graded ? [{ kind: "script", script: "true" }] : [], commands: [], solution: [], wrong: [], hints: 0 }) as unknown as Step;
const lesson = { slug: "demo", title: "Demo", steps: [step("a", true), step("intro", false), step("b", true), step("c", true)] } as Lesson;
const passed = (...stepIds: string[]) => ({
  attempts: [],
  helps: [],
  completions: stepIds.map((stepId) => ({ learnerId: "kim", lessonSlug: "demo", stepId, completedAt: new Date("2026-12-01T10:00:00Z") })),
});

test("a score is graded steps passed out of graded steps, its comment naming the steps still missing", () => {
  assert.deepEqual(scoreOf(lessonReport(lesson, "kim", passed("a"))), {
    given: 1,
    maximum: 3,
    comment: "1 of 3 graded steps of “Demo” passed. Still missing: “Step b”, “Step c”.",
  });
  assert.deepEqual(scoreOf(lessonReport(lesson, "kim", passed("a", "intro", "b", "c"))), {
    given: 3,
    maximum: 3,
    comment: "All 3 of 3 graded steps of “Demo” passed.",
  });
  assert.equal(scoreOf(lessonReport(lesson, "kim", passed())).given, 0);
});

const platform: PlatformAuth = { id: "p1", name: "Canvas (test)", clientId: "client-1", authTokenUrl: "https://lms.test/token" };

/** Signs as keys.ts signAsTool does, with a key of the test's. */
const signer = (key: CryptoKey, kid: string) => (claims: object, o: { issuer: string; audience: string; subject?: string; ttlSeconds?: number }) =>
  new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "RS256", kid })
    .setIssuer(o.issuer)
    .setSubject(o.subject!)
    .setAudience(o.audience)
    .setIssuedAt()
    .setExpirationTime(`${o.ttlSeconds}s`)
    .setJti(crypto.randomUUID())
    .sign(key);

/** A fake LMS: its token endpoint (answers set by the test) and one service URL; it records every request. */
async function fakeLms(tokenAnswers: (n: number) => Response) {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const requests: { url: string; form?: URLSearchParams; authorization?: string }[] = [];
  let now = Date.parse("2026-12-06T12:00:00Z");
  let tokens = 0;
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    if (url === platform.authTokenUrl) {
      const form = new URLSearchParams(init!.body as URLSearchParams);
      requests.push({ url, form });
      return tokenAnswers(++tokens);
    }
    requests.push({ url, authorization: headers.get("authorization") ?? undefined });
    return new Response("{}", { status: headers.get("authorization") === "Bearer revoked" ? 401 : 200 });
  }) as typeof globalThis.fetch;
  const client = new ServiceClient({
    sign: signer(privateKey, "tool-key-1"),
    checkUrl: (url) => {
      if (url.includes("169.254.")) throw new LtiServiceError(`Dockyard does not send requests to ${url}.`);
    },
    fetch,
    now: () => now,
  });
  return { client, requests, publicKey, advance: (ms: number) => (now += ms), now: () => now };
}

const granted = (token: string, expiresIn = 3600) =>
  new Response(JSON.stringify({ access_token: token, token_type: "bearer", expires_in: expiresIn }), { status: 200 });

test("the token request is client_credentials with a client assertion signed by the tool's key, for the scope asked", async () => {
  const lms = await fakeLms((n) => granted(`token-${n}`));
  assert.equal(await lms.client.token(platform, SCOPES.score), "token-1");
  const { form } = lms.requests[0]!;
  assert.equal(form!.get("grant_type"), "client_credentials");
  assert.equal(form!.get("client_assertion_type"), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  assert.equal(form!.get("scope"), SCOPES.score);
  const { payload, protectedHeader } = await jwtVerify(form!.get("client_assertion")!, lms.publicKey, {
    issuer: "client-1",
    subject: "client-1",
    audience: platform.authTokenUrl,
  });
  assert.equal(protectedHeader.kid, "tool-key-1");
  assert.equal(protectedHeader.alg, "RS256");
  assert.ok(payload.jti && payload.exp! - payload.iat! <= 300);
});

test("a token is cached per platform and scope until shortly before it expires", async () => {
  const lms = await fakeLms((n) => granted(`token-${n}`, 600));
  assert.equal(await lms.client.token(platform, SCOPES.score), "token-1");
  assert.equal(await lms.client.token(platform, SCOPES.score), "token-1", "cached");
  assert.equal(await lms.client.token(platform, SCOPES.memberships), "token-2", "another scope asks again");
  assert.equal(await lms.client.token({ ...platform, id: "p2" }, SCOPES.score), "token-3", "another platform asks again");
  const together = await Promise.all([lms.client.token({ ...platform, id: "p3" }, SCOPES.score), lms.client.token({ ...platform, id: "p3" }, SCOPES.score)]);
  assert.deepEqual(together, ["token-4", "token-4"], "two calls at once make one request");
  lms.advance(560_000);
  assert.equal(await lms.client.token(platform, SCOPES.score), "token-1", "still valid 40 s before it expires");
  lms.advance(20_000);
  assert.equal(await lms.client.token(platform, SCOPES.score), "token-5", "renewed when under 30 s are left");
  assert.equal(lms.requests.filter((r) => r.url === platform.authTokenUrl).length, 5);
});

test("a service that refuses a cached token gets one renewed token, once", async () => {
  const lms = await fakeLms((n) => granted(n === 1 ? "revoked" : `token-${n}`));
  const answer = await lms.client.call(platform, SCOPES.score, "https://lms.test/lineitems/1/scores", { method: "POST" });
  assert.equal(answer.status, 200);
  assert.deepEqual(
    lms.requests.filter((r) => r.authorization).map((r) => r.authorization),
    ["Bearer revoked", "Bearer token-2"],
  );
});

test("an LMS that refuses the token is told in plain words, and the refusal is not cached", async () => {
  const lms = await fakeLms((n) =>
    n === 1 ? new Response(JSON.stringify({ error: "invalid_client", error_description: "Unable to find public key" }), { status: 400 }) : granted("fixed"),
  );
  await assert.rejects(lms.client.token(platform, SCOPES.memberships), (e: unknown) => {
    assert.ok(e instanceof LtiServiceError);
    assert.equal(e.status, 400);
    assert.equal(
      e.message,
      "Canvas (test) refused Dockyard access to the course's roster (HTTP 400: Unable to find public key). " +
        "Check that the LMS's registration of Dockyard has this service turned on and knows Dockyard's key set (/lti/jwks).",
    );
    return true;
  });
  assert.equal(await lms.client.token(platform, SCOPES.memberships), "fixed");
  await assert.rejects(lms.client.call(platform, SCOPES.score, "http://169.254.169.254/latest"), /does not send requests to http:\/\/169\.254\.169\.254/);
});

test("an LMS that cannot be reached is named with the address and the cause", async () => {
  const { privateKey } = await generateKeyPair("RS256");
  const client = new ServiceClient({
    sign: signer(privateKey, "k"),
    checkUrl: () => {},
    fetch: (async () => {
      throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    }) as typeof fetch,
  });
  await assert.rejects(client.token(platform, SCOPES.score), { message: "Dockyard could not reach Canvas (test) at https://lms.test/token: ECONNREFUSED." });
});

test("a paged list is followed through its Link rel=next headers; pages that loop are refused", async () => {
  const pages: Record<string, { members: { user_id: string }[]; next?: string }> = {
    "https://lms.test/roster": { members: [{ user_id: "u1" }, { user_id: "u2" }], next: "/roster?page=2" },
    "https://lms.test/roster?page=2": { members: [{ user_id: "u3" }], next: "https://lms.test/roster?page=3" },
    "https://lms.test/roster?page=3": { members: [{ user_id: "u4" }] },
    "https://lms.test/loop": { members: [], next: "https://lms.test/loop" },
  };
  const { privateKey } = await generateKeyPair("RS256");
  const asked: string[] = [];
  const client = new ServiceClient({
    sign: signer(privateKey, "k"),
    checkUrl: () => {},
    fetch: (async (input: string) => {
      if (input === platform.authTokenUrl) return granted("t");
      asked.push(input);
      const page = pages[input]!;
      return new Response(JSON.stringify({ id: input, members: page.members }), { headers: page.next ? { link: `<${page.next}>; rel="next"` } : {} });
    }) as typeof fetch,
  });
  const members = await client.list<{ user_id: string }>(platform, SCOPES.memberships, "https://lms.test/roster", "application/json", "the roster", "members");
  assert.deepEqual(
    members.map((m) => m.user_id),
    ["u1", "u2", "u3", "u4"],
  );
  assert.deepEqual(asked, ["https://lms.test/roster", "https://lms.test/roster?page=2", "https://lms.test/roster?page=3"]);
  await assert.rejects(
    client.list(platform, SCOPES.memberships, "https://lms.test/loop", "application/json", "the roster", "members"),
    /lead back to an earlier page/,
  );
});

test("nextPage reads rel=next among other links and parameters", () => {
  const base = "https://lms.test/api/roster?page=1";
  assert.equal(nextPage('<https://lms.test/r?page=2>; rel="next"', base), "https://lms.test/r?page=2");
  assert.equal(nextPage('<https://lms.test/r?p=1>; rel="first", <https://lms.test/r?p=3>; rel=next', base), "https://lms.test/r?p=3");
  assert.equal(nextPage('<?page=2>; title="x"; rel="prev next"', base), "https://lms.test/api/roster?page=2");
  assert.equal(nextPage('<https://lms.test/r?p=1>; rel="prev"', base), undefined);
  assert.equal(nextPage(null, base), undefined);
});

test("a roster sync is summed up in plain words", () => {
  assert.equal(rosterSummary({ members: 3, added: 2, failed: [] }), "The LMS lists 3 active members; 2 new members joined the cohort.");
  assert.equal(rosterSummary({ members: 1, added: 0, failed: [] }), "The LMS lists 1 active member; nobody new joined the cohort.");
  assert.equal(
    rosterSummary({ members: 2, added: 1, failed: ["Ann: the LMS gave no user id."] }),
    "The LMS lists 2 active members; 1 new member joined the cohort. Not added: Ann: the LMS gave no user id.",
  );
});
