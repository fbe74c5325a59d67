import { test } from "node:test";
import assert from "node:assert/strict";
import {
  issue,
  issueLabToken,
  issueViewerToken,
  RECORDING_TOKEN,
  TokenRejected,
  verify,
  verifyLabToken,
  verifyViewerToken,
  WATCH_TOKEN,
} from "@dockyard/contract/server";

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
  assert.equal(
    reason(() => verifyLabToken(SECRET, undefined, "dy-1")),
    "missing",
  );
  assert.equal(
    reason(() => verifyLabToken(SECRET, "garbage", "dy-1")),
    "malformed",
  );
  assert.equal(
    reason(() => verifyLabToken("other", token, "dy-1")),
    "bad_signature",
  );
  const [body, sig] = token.split(".");
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, "base64url").toString()), learner: "bob" })).toString("base64url");
  assert.equal(
    reason(() => verifyLabToken(SECRET, `${forged}.${sig}`, "dy-1")),
    "bad_signature",
  );
  assert.equal(
    reason(() => verifyLabToken(SECRET, token, "dy-2")),
    "wrong_sandbox",
  );
  const old = issue(SECRET, "lab", { learner: "ann", sandbox: "dy-1", lesson: "first" }, 60, Date.now() - 120_000);
  assert.equal(
    reason(() => verifyLabToken(SECRET, old, "dy-1")),
    "expired",
  );
});

test("a session token cannot stand in for a lab token", () => {
  const session = issue(SECRET, "session", { learner: "ann", sandbox: "dy-1", lesson: "first" }, 60);
  assert.equal(
    reason(() => verifyLabToken(SECRET, session, "dy-1")),
    "wrong_kind",
  );
  assert.equal(verify(SECRET, "session", session).learner, "ann");
});

test("viewer tokens: a recording token reads one sandbox's recordings, a watch token watches it, neither stands in for the other", () => {
  const claims = { sandbox: "dy-1", lesson: "first" };
  const recording = issueViewerToken(SECRET, RECORDING_TOKEN, claims, 60);
  const watch = issueViewerToken(SECRET, WATCH_TOKEN, claims, 60);
  assert.deepEqual(verifyViewerToken(SECRET, RECORDING_TOKEN, recording, "dy-1"), claims);
  assert.deepEqual(verifyViewerToken(SECRET, WATCH_TOKEN, watch, "dy-1"), claims);
  assert.equal(
    reason(() => verifyViewerToken(SECRET, RECORDING_TOKEN, watch, "dy-1")),
    "wrong_kind",
  );
  assert.equal(
    reason(() => verifyViewerToken(SECRET, WATCH_TOKEN, recording, "dy-1")),
    "wrong_kind",
  );
  assert.equal(
    reason(() => verifyViewerToken(SECRET, RECORDING_TOKEN, recording, "dy-2")),
    "wrong_sandbox",
  );
  assert.equal(
    reason(() => verifyViewerToken("other", RECORDING_TOKEN, recording, "dy-1")),
    "bad_signature",
  );
  const old = issue(SECRET, RECORDING_TOKEN, claims, 60, Date.now() - 120_000);
  assert.equal(
    reason(() => verifyViewerToken(SECRET, RECORDING_TOKEN, old, "dy-1")),
    "expired",
  );
  assert.equal(
    reason(() => verifyViewerToken(SECRET, RECORDING_TOKEN, issue(SECRET, RECORDING_TOKEN, { sandbox: "dy-1" }, 60), "dy-1")),
    "malformed",
  );
});

test("a lab token cannot read recordings nor a viewer token drive a lab, and the refusal names both kinds", () => {
  const lab = issueLabToken(SECRET, { learner: "ann", sandbox: "dy-1", lesson: "first" }, 60);
  assert.throws(() => verifyViewerToken(SECRET, RECORDING_TOKEN, lab, "dy-1"), {
    reason: "wrong_kind",
    message: "This is a lab token; this needs a recording token.",
  });
  const watch = issueViewerToken(SECRET, WATCH_TOKEN, { sandbox: "dy-1", lesson: "first" }, 60);
  assert.throws(() => verifyLabToken(SECRET, watch, "dy-1"), { reason: "wrong_kind", message: "This is a watch token; this needs a lab token." });
});
