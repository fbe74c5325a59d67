import { test } from "node:test";
import assert from "node:assert/strict";
import { emailProblem, hashPassword, normalizeEmail, passwordMatches, passwordProblem } from "../../app/_lib/passwords";

test("emails are compared trimmed and lower-cased, and must look like one", () => {
  assert.equal(normalizeEmail("  Ada@Example.COM "), "ada@example.com");
  assert.equal(emailProblem("ada@example.com"), undefined);
  assert.equal(emailProblem("admin@localhost"), undefined);
  assert.match(emailProblem("")!, /Enter your email/);
  for (const bad of ["ada", "ada@", "@example.com", "a da@example.com", `${"a".repeat(250)}@x.io`])
    assert.match(emailProblem(bad)!, /like ada@example.com/, bad);
});

test("weak passwords are refused with the reason", () => {
  assert.match(passwordProblem("short", "ada@example.com")!, /at least 10 characters/);
  assert.match(passwordProblem("aaaaabbbbbaaaaa", "ada@example.com")!, /more different characters/);
  assert.match(passwordProblem("é".repeat(37) + "abcd", "ada@example.com")!, /at most 72 bytes/);
  assert.match(passwordProblem("ada.lovelace", "ada.lovelace@example.com")!, /not your email/);
  assert.match(passwordProblem("ADA@EXAMPLE.COM", "ada@example.com")!, /not your email/);
  assert.equal(passwordProblem("correct horse battery", "ada@example.com"), undefined);
});

test("a password matches its own hash only; no hash (an unknown account) never matches", async () => {
  const hash = await hashPassword("correct horse battery");
  assert.match(hash, /^\$2[aby]\$12\$/, "bcrypt at cost 12");
  assert.notEqual(await hashPassword("correct horse battery"), hash, "salted");
  assert.equal(await passwordMatches("correct horse battery", hash), true);
  assert.equal(await passwordMatches("correct horse batterY", hash), false);
  assert.equal(await passwordMatches("no account has this password", undefined), false);
  assert.equal(await passwordMatches("anything", null), false);
});
