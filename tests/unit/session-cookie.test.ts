import { test } from "node:test";
import assert from "node:assert/strict";
import { issue, SESSION_TOKEN } from "@dockyard/contract/server";
import {
  accountCookie,
  anonymousSession,
  claimsOf,
  EMBED_COOKIE,
  expiredEmbedCookie,
  loadsFrame,
  SESSION_COOKIE,
  sessionToken,
  viewerOf,
  type SessionLookup,
} from "../../app/_lib/sessionCookie";
import type { Account } from "../../app/_lib/access";

// The session cookie: what it claims, and who it speaks for given what the database says.

process.env.DOCKYARD_SECRET = "unit-test-secret";
const ADA: Account = { id: "ada", email: "ada@example.com", role: "student" };

/** The database, as the cookie's lookup sees it: live sessions by id, and which learners are accounts. */
function lookup(sessions: Record<string, string>, accounts: Account[]): SessionLookup {
  return {
    accountOfSession: async (learnerId, sessionId) => (sessions[sessionId] === learnerId ? accounts.find((a) => a.id === learnerId) : undefined),
    isAccount: async (learnerId) => accounts.some((a) => a.id === learnerId),
  };
}

test("an anonymous cookie names a new learner; an account cookie also names its session", () => {
  const { learner, cookie } = anonymousSession();
  assert.equal(cookie.name, SESSION_COOKIE);
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "lax");
  assert.deepEqual(claimsOf(cookie.value), { learner });
  assert.notEqual(anonymousSession().learner, learner);

  const account = accountCookie("ada", "session-1");
  assert.deepEqual(claimsOf(account.value), { learner: "ada", session: "session-1" });
  assert.equal(account.maxAge, 30 * 86400);
});

test("a forged, tampered, expired or other kind of token claims nothing", () => {
  const good = accountCookie("ada", "session-1").value;
  const [body, sig] = good.split(".");
  const forged = Buffer.from(JSON.stringify({ learner: "admin", session: "session-1", k: SESSION_TOKEN, exp: 9e9 })).toString("base64url");
  for (const bad of [
    undefined,
    "",
    "garbage",
    `${forged}.${sig}`,
    `${body}.${sig!.replace(/.$/, (c) => (c === "A" ? "B" : "A"))}`,
    issue("another-secret", SESSION_TOKEN, { learner: "ada" }, 60),
    issue("unit-test-secret", SESSION_TOKEN, { learner: "ada" }, 60, Date.now() - 3600_000),
    issue("unit-test-secret", "lab", { learner: "ada" }, 60),
  ])
    assert.equal(claimsOf(bad), undefined, String(bad));
});

test("an account cookie speaks for the account only while its session lives", async () => {
  const claims = claimsOf(accountCookie("ada", "session-1").value);
  assert.deepEqual(await viewerOf(claims, lookup({ "session-1": "ada" }, [ADA])), { learnerId: "ada", account: ADA });
  assert.deepEqual(await viewerOf(claims, lookup({}, [ADA])), {}, "signed out: the session is gone");
  assert.deepEqual(await viewerOf(claims, lookup({ "session-1": "bob" }, [ADA])), {}, "another account's session");
});

test("an anonymous cookie speaks for its learner until that learner signs up", async () => {
  const { learner, cookie } = anonymousSession();
  const claims = claimsOf(cookie.value);
  assert.deepEqual(await viewerOf(claims, lookup({}, [])), { learnerId: learner });
  assert.deepEqual(await viewerOf(claims, lookup({}, [{ ...ADA, id: learner }])), {}, "the account now needs its password");
  assert.deepEqual(await viewerOf(undefined, lookup({}, [])), {});
});

/** A request's cookies, as Next's cookie readers give them. */
const jar = (values: Record<string, string>) => ({ get: (name: string) => (name in values ? { value: values[name]! } : undefined) });

/** Runs `body` with DOCKYARD_PUBLIC_URL set (Secure cookies under https) or unset. */
function under(publicUrl: string | undefined, body: () => void) {
  const before = process.env.DOCKYARD_PUBLIC_URL;
  if (publicUrl) process.env.DOCKYARD_PUBLIC_URL = publicUrl;
  else delete process.env.DOCKYARD_PUBLIC_URL;
  try {
    body();
  } finally {
    if (before === undefined) delete process.env.DOCKYARD_PUBLIC_URL;
    else process.env.DOCKYARD_PUBLIC_URL = before;
  }
}

test("a session begun in a frame lives in a cookie of its own: SameSite=None, Secure, Partitioned, __Host-", () => {
  const { learner, cookie } = anonymousSession(true);
  assert.equal(cookie.name, EMBED_COOKIE);
  assert.match(EMBED_COOKIE, /^__Host-/);
  assert.deepEqual(
    { sameSite: cookie.sameSite, secure: cookie.secure, partitioned: cookie.partitioned, httpOnly: cookie.httpOnly, path: cookie.path },
    {
      sameSite: "none",
      secure: true,
      partitioned: true,
      httpOnly: true,
      path: "/",
    },
  );
  assert.deepEqual(claimsOf(cookie.value), { learner });
  const account = accountCookie("ada", "session-1", true);
  assert.equal(account.name, EMBED_COOKIE);
  assert.deepEqual(claimsOf(account.value), { learner: "ada", session: "session-1" });
  // Removing it takes the same attributes (a partitioned cookie is another cookie than an unpartitioned one).
  assert.deepEqual(expiredEmbedCookie(), {
    name: EMBED_COOKIE,
    value: "",
    maxAge: 0,
    httpOnly: true,
    path: "/",
    sameSite: "none",
    secure: true,
    partitioned: true,
  });
  // Dockyard's own pages keep theirs: Lax, never partitioned.
  assert.equal(anonymousSession().cookie.sameSite, "lax");
  assert.equal("partitioned" in anonymousSession().cookie, false);
});

test("a request speaks with Dockyard's own cookie when it carries a valid one, else with the frame's", () => {
  const site = anonymousSession().cookie.value;
  const framed = anonymousSession(true).cookie.value;
  assert.equal(sessionToken(jar({ [SESSION_COOKIE]: site, [EMBED_COOKIE]: framed })), site);
  assert.equal(sessionToken(jar({ [EMBED_COOKIE]: framed })), framed);
  assert.equal(sessionToken(jar({ [SESSION_COOKIE]: "garbage", [EMBED_COOKIE]: framed })), framed);
  assert.equal(sessionToken(jar({ [SESSION_COOKIE]: "garbage" })), undefined);
  assert.equal(sessionToken(jar({ other: site })), undefined);
});

test("only a document loaded into a frame over https begins its session in the frame's cookie", () => {
  const dest = (value?: string) => new Headers(value ? { "sec-fetch-dest": value } : {});
  under("https://labs.example.org", () => {
    assert.equal(loadsFrame(dest("iframe")), true);
    assert.equal(loadsFrame(dest("frame")), true);
    for (const other of ["document", "empty", undefined]) assert.equal(loadsFrame(dest(other)), false, String(other));
  });
  // Plain http: no Secure cookie; a frame on the same site (another port of localhost) gets Dockyard's own.
  under(undefined, () => assert.equal(loadsFrame(dest("iframe")), false));
});
