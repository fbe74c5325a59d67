import { test } from "node:test";
import assert from "node:assert/strict";
import { roleFromClaims } from "../../app/_lib/oidc/roles";

// Which role an id_token's claim asserts (app/_lib/oidc/roles.ts).

const RULE = { roleClaim: "groups", instructorValues: ["teachers", "staff"], graderValues: ["tas"] };

test("an instructor value makes an instructor, whatever else the claim holds; else a grader value a grader", () => {
  assert.equal(roleFromClaims({ groups: ["tas", "staff"] }, RULE), "instructor");
  assert.equal(roleFromClaims({ groups: ["students", "tas"] }, RULE), "grader");
  assert.equal(roleFromClaims({ groups: "teachers" }, RULE), "instructor", "a single string counts as a list of one");
});

test("a claim without a known value says student (the provider decides); a token without the claim says nothing", () => {
  assert.equal(roleFromClaims({ groups: ["students"] }, RULE), "student");
  assert.equal(roleFromClaims({ groups: [] }, RULE), "student");
  assert.equal(roleFromClaims({ groups: [42, { name: "staff" }] }, RULE), "student", "values that are not strings match nothing");
  assert.equal(roleFromClaims({ email: "a@example.org" }, RULE), undefined);
  assert.equal(roleFromClaims({ groups: null }, RULE), undefined);
});

test("a dotted claim name reaches into an object (Keycloak's realm_access.roles), and a flat claim of that name wins", () => {
  const rule = { ...RULE, roleClaim: "realm_access.roles" };
  assert.equal(roleFromClaims({ realm_access: { roles: ["offline_access", "staff"] } }, rule), "instructor");
  assert.equal(roleFromClaims({ realm_access: {} }, rule), undefined);
  assert.equal(roleFromClaims({ "realm_access.roles": ["tas"], realm_access: { roles: ["staff"] } }, rule), "grader");
});
