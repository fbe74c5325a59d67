import { test } from "node:test";
import assert from "node:assert/strict";
import { issue, issueLabToken, TokenRejected, verify, verifyLabToken } from "../../lab-runner/src/auth/tokens";

const SECRET = "s3cret";
const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TokenRejected, String(e));
    return e.reason;
  }
  assert.fail("expected the token to be refused");
};

test("a lab token round-trips its claims", () => {
  const token = issueLabToken(SECRET, { learner: "ann", sandbox: "dy-1", lesson: "first" }, 60);
  assert.deepEqual(verifyLabToken(SECRET, token, "dy-1"), { learner: "ann", sandbox: "dy-1", lesson: "first" });
});

test("missing, forged, tampered, expired and misdirected tokens are refused with their reason", () => {
  const token = issueLabToken(SECRET, { learner: "ann", sandbox: "dy-1", lesson: "first" }, 60);
  assert.equal(reason(() => verifyLabToken(SECRET, undefined, "dy-1")), "missing");
  assert.equal(reason(() => verifyLabToken(SECRET, "garbage", "dy-1")), "malformed");
  assert.equal(reason(() => verifyLabToken("other", token, "dy-1")), "bad_signature");
  const [body, sig] = token.split(".");
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, "base64url").toString()), learner: "bob" })).toString("base64url");
  assert.equal(reason(() => verifyLabToken(SECRET, `${forged}.${sig}`, "dy-1")), "bad_signature");
  assert.equal(reason(() => verifyLabToken(SECRET, token, "dy-2")), "wrong_sandbox");
  const old = issue(SECRET, "lab", { learner: "ann", sandbox: "dy-1", lesson: "first" }, 60, Date.now() - 120_000);
  assert.equal(reason(() => verifyLabToken(SECRET, old, "dy-1")), "expired");
});

test("a session token cannot stand in for a lab token", () => {
  const session = issue(SECRET, "session", { learner: "ann", sandbox: "dy-1", lesson: "first" }, 60);
  assert.equal(reason(() => verifyLabToken(SECRET, session, "dy-1")), "wrong_kind");
  assert.equal(verify(SECRET, "session", session).learner, "ann");
});
