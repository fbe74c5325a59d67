import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { freshDatabase } from "./fresh-database";

// The sign-in limits' counters and the sign-up form's account function against a real, freshly migrated database,
// run once per database (tests/integration/throttle-sqlite.test.ts and throttle-postgresql.test.ts): the site's
// modules hold one database client per process.

type Modules = {
  throttle: typeof import("../../app/_lib/throttle");
  accounts: typeof import("../../app/_lib/accounts");
  db: typeof import("../../app/_lib/db");
};

const HOUR = 3_600_000;

export function throttleScenarios(database: "sqlite" | "postgresql") {
  describe(`sign-in limits and sign-up on ${database}`, () => {
    let m: Modules;
    before(async () => {
      process.env.DATABASE_URL = await freshDatabase(database, "throttle");
      Object.assign(process.env, { DOCKYARD_SIGNIN_FAILURES_PER_ACCOUNT: "3", DOCKYARD_SIGNUPS_PER_ADDRESS: "2", DOCKYARD_AUTH_FIRST_WAIT_SECONDS: "30" });
      // Imported only now: the database client is made for DATABASE_URL when the modules load.
      m = { throttle: await import("../../app/_lib/throttle"), accounts: await import("../../app/_lib/accounts"), db: await import("../../app/_lib/db") };
    });

    const counter = (key: string) => m.db.db.authThrottle.findUnique({ where: { key } });

    test("attempts at the same moment all count: of 10 at once on a key with 3 free, the 4th sets the wait and the rest are refused", async () => {
      const key = m.throttle.accountKey("burst@example.com");
      const admissions = await Promise.all(Array.from({ length: 10 }, () => m.throttle.admit([key])));
      assert.equal(admissions.filter((a) => a.admitted).length, 4);
      // The wait the 4th set (30 s), seen from each attempt's own moment: a few ms earlier may round up to 31 s.
      for (const a of admissions.filter((a) => !a.admitted)) assert.ok(a.waitSeconds >= 30 && a.waitSeconds <= 31, JSON.stringify(a));
      assert.equal((await counter(key.key))?.count, 4, "refused attempts are not counted");
    });

    test("an attempt refused by one of its keys counts on none of them", async () => {
      // Ten sign-ups at once, each of its own email, from one address with 2 free: 3 get through (the 3rd sets the wait).
      const address = m.throttle.signUpKey("203.0.113.9");
      const accounts = Array.from({ length: 10 }, (_, i) => m.throttle.accountKey(`spray${i}@example.com`));
      const admissions = await Promise.all(accounts.map((account) => m.throttle.admit([account, address])));
      assert.equal(admissions.filter((a) => a.admitted).length, 3);
      const counts = await Promise.all(accounts.map(async (k) => (await counter(k.key))?.count ?? 0));
      assert.deepEqual(
        counts.map((count, i) => [count, admissions[i]!.admitted]),
        admissions.map((a) => [a.admitted ? 1 : 0, a.admitted]),
      );
    });

    test("a success starts an account over, takes an address's sign-in back, and leaves an address's sign-up counted", async () => {
      const keys = [m.throttle.accountKey("ok@example.com"), m.throttle.signInKey("203.0.113.10"), m.throttle.signUpKey("203.0.113.10")];
      const first = await m.throttle.admit(keys);
      assert.ok(first.admitted);
      await m.throttle.admit(keys.slice(0, 2)); // a failure
      await m.throttle.attemptSucceeded(first.attempt);
      assert.deepEqual(await Promise.all(keys.map(async (k) => (await counter(k.key))?.count)), [0, 1, 1]);
    });

    test("forgotten counters count from nothing and are deleted", async () => {
      const key = m.throttle.accountKey("old@example.com");
      const longAgo = new Date(Date.now() - 2 * HOUR); // forgotten 60 minutes after the wait it set
      for (let i = 0; i < 4; i++) await m.throttle.admit([key], longAgo);
      assert.equal((await counter(key.key))?.count, 4);
      // Forgotten rows are swept at most once a minute per process: two minutes on, the next attempt sweeps.
      assert.ok((await m.throttle.admit([m.throttle.accountKey("new@example.com")], new Date(Date.now() + 2 * 60_000))).admitted);
      assert.equal(await counter(key.key), null);
      assert.ok((await m.throttle.admit([key])).admitted);
    });

    test("the sign-up form: a free email makes the account, a taken one with its password opens it, any other is refused alike", async () => {
      const learner = crypto.randomUUID();
      const made = await m.accounts.signUpOrSignIn(learner, "Uma@example.com ", "correct horse battery");
      assert.deepEqual(made, { id: learner, email: "uma@example.com", role: "student" });
      assert.deepEqual(await m.accounts.signUpOrSignIn(crypto.randomUUID(), "uma@example.com", "correct horse battery"), made, "signed in to it");
      await assert.rejects(m.accounts.signUpOrSignIn(crypto.randomUUID(), "UMA@example.com", "another good password"), (e: unknown) => {
        assert.ok(e instanceof m.accounts.AccountError);
        assert.equal(e.code, "unavailable");
        assert.equal(e.message, m.accounts.SIGN_UP_REFUSED);
        assert.doesNotMatch(e.message, /uma|already uses/i);
        return true;
      });
      await assert.rejects(m.accounts.signUpOrSignIn(crypto.randomUUID(), "vi@example.com", "short"), /at least 10/);
    });
  });
}
