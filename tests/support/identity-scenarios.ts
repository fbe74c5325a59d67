import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { freshDatabase } from "./fresh-database";
import type { CheckResult } from "@dockyard/contract";

// app/_lib/identities.ts against a real, freshly migrated database: who a person signing in through OpenID Connect
// or LTI is. One process per database (the site's modules hold one client): identities-sqlite and -postgresql.

type Modules = {
  identities: typeof import("../../app/_lib/identities");
  accounts: typeof import("../../app/_lib/accounts");
  progress: typeof import("../../app/_lib/progress");
};

const PASSED: CheckResult = { passed: true, message: "Well done", criteria: [] };
const PROVIDER = "oidc:https://idp.example.org";

export function identityScenarios(database: "sqlite" | "postgresql") {
  describe(`identities on ${database}`, () => {
    let m: Modules;
    before(async () => {
      process.env.DATABASE_URL = await freshDatabase(database, "identities");
      m = {
        identities: await import("../../app/_lib/identities"),
        accounts: await import("../../app/_lib/accounts"),
        progress: await import("../../app/_lib/progress"),
      };
    });

    test("a new subject with a verified email becomes a student account, and is known the next time", async () => {
      const subject = crypto.randomUUID();
      const first = await m.identities.signInIdentity({ provider: PROVIDER, subject, email: "New.Person@Example.org", emailVerified: true });
      assert.equal(first.outcome, "created");
      assert.deepEqual(first.account, { id: first.learnerId, email: "new.person@example.org", role: "student" });
      const again = await m.identities.signInIdentity({ provider: PROVIDER, subject, email: "renamed@example.org", emailVerified: true });
      assert.deepEqual(again, { ...first, outcome: "known" }, "the subject decides, not the email it now has");
    });

    test("an existing password account is linked by a verified email, and only by a verified one", async () => {
      const password = await m.accounts.signUp(crypto.randomUUID(), "linked@example.org", "correct horse battery");
      const unverified = await m.identities.signInIdentity({ provider: PROVIDER, subject: "mallory", email: "LINKED@example.org", emailVerified: false });
      assert.equal(unverified.outcome, "created");
      assert.notEqual(unverified.learnerId, password.id);
      assert.equal(unverified.account, undefined, "an unverified email is not given to the new learner either");

      const verified = await m.identities.signInIdentity({ provider: PROVIDER, subject: "linda", email: "LINKED@example.org", emailVerified: true });
      assert.deepEqual(verified, { learnerId: password.id, account: password, outcome: "linked" });
      assert.deepEqual(await m.accounts.checkCredentials("linked@example.org", "correct horse battery"), password, "the password still opens it");
    });

    test("a second subject of the same provider with the account's email is refused (a reused address)", async () => {
      await m.identities.signInIdentity({ provider: PROVIDER, subject: "first-holder", email: "reused@example.org", emailVerified: true });
      await assert.rejects(
        m.identities.signInIdentity({ provider: PROVIDER, subject: "second-holder", email: "reused@example.org", emailVerified: true }),
        (e: unknown) => e instanceof m.identities.IdentityError && e.code === "identity_conflict" && /already linked/.test(e.message),
      );
      const other = await m.identities.signInIdentity({ provider: "lti:platform-1", subject: "7", email: "reused@example.org", emailVerified: true });
      assert.equal(other.outcome, "linked", "another provider's subject links to it");
    });

    test("without an email (an LTI launch may have none) the learner is made, without an account", async () => {
      const made = await m.identities.signInIdentity({ provider: "lti:platform-1", subject: "no-email" });
      assert.equal(made.outcome, "created");
      assert.equal(made.account, undefined);
      assert.equal(await m.accounts.isAccount(made.learnerId), false);
      const again = await m.identities.signInIdentity({ provider: "lti:platform-1", subject: "no-email" });
      assert.deepEqual(again, { ...made, outcome: "known" });
    });

    test("the browser's anonymous learner becomes the new account, progress and all; an account never does", async () => {
      const anonymous = crypto.randomUUID();
      await m.progress.recordAttempt(anonymous, "first-container", "hello-busybox", PASSED, "asked");
      const made = await m.identities.signInIdentity(
        { provider: PROVIDER, subject: "was-anonymous", email: "anon@example.org", emailVerified: true },
        { anonymous },
      );
      assert.equal(made.learnerId, anonymous);
      assert.deepEqual(await m.progress.completedSteps(anonymous), [{ lessonSlug: "first-container", stepId: "hello-busybox" }]);

      const other = await m.identities.signInIdentity(
        { provider: PROVIDER, subject: "someone-else", email: "else@example.org", emailVerified: true },
        { anonymous },
      );
      assert.notEqual(other.learnerId, anonymous, "the learner is an account now: another person gets a learner of their own");
    });

    test("the role the provider asserts is set on every sign-in, never on an admin, and left alone when it asserts none", async () => {
      const subject = crypto.randomUUID();
      const asInstructor = await m.identities.signInIdentity({
        provider: PROVIDER,
        subject,
        email: `${subject}@example.org`,
        emailVerified: true,
        role: "instructor",
      });
      assert.equal(asInstructor.account?.role, "instructor");
      const unsaid = await m.identities.signInIdentity({ provider: PROVIDER, subject });
      assert.equal(unsaid.account?.role, "instructor");
      const demoted = await m.identities.signInIdentity({ provider: PROVIDER, subject, role: "student" });
      assert.equal(demoted.account?.role, "student");
      assert.equal((await m.accounts.accountById(demoted.learnerId))?.role, "student");

      const admin = await m.accounts.signUp(crypto.randomUUID(), "boss@example.org", "correct horse battery", "admin");
      const signedIn = await m.identities.signInIdentity({
        provider: PROVIDER,
        subject: "boss",
        email: "boss@example.org",
        emailVerified: true,
        role: "student",
      });
      assert.deepEqual(signedIn.account, admin, "an admin stays an admin");
    });

    test("two first sign-ins of one subject at once end on one learner", async () => {
      const identity = { provider: PROVIDER, subject: "racer", email: "racer@example.org", emailVerified: true };
      const [a, b] = await Promise.all([m.identities.signInIdentity(identity), m.identities.signInIdentity(identity)]);
      assert.equal(a.learnerId, b.learnerId);
    });
  });
}
