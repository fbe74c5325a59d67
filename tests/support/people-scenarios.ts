import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { freshDatabase } from "./fresh-database";
import type { CheckResult } from "@dockyard/contract";

// The site's accounts, sessions, settings and cohorts data functions against a real, freshly migrated database.
// The site's modules hold one database client per process, so each database runs in a test file (a process)
// of its own: tests/integration/people-sqlite.test.ts and people-postgresql.test.ts.

type Modules = {
  accounts: typeof import("../../app/_lib/accounts");
  cohorts: typeof import("../../app/_lib/cohorts");
  settings: typeof import("../../app/_lib/settings");
  progress: typeof import("../../app/_lib/progress");
  sessionCookie: typeof import("../../app/_lib/sessionCookie");
  grading: typeof import("../../app/_lib/grading");
};

const PASSED: CheckResult = { passed: true, message: "Well done", criteria: [] };
const DAY = 86_400_000;
const newId = () => crypto.randomUUID();

export function peopleScenarios(database: "sqlite" | "postgresql") {
  describe(`accounts and cohorts on ${database}`, () => {
    let m: Modules;
    before(async () => {
      process.env.DATABASE_URL = await freshDatabase(database, "people");
      process.env.DOCKYARD_SECRET = "integration-test-secret";
      // Imported only now: the database client is made for DATABASE_URL when the modules load.
      m = {
        accounts: await import("../../app/_lib/accounts"),
        cohorts: await import("../../app/_lib/cohorts"),
        settings: await import("../../app/_lib/settings"),
        progress: await import("../../app/_lib/progress"),
        sessionCookie: await import("../../app/_lib/sessionCookie"),
        grading: await import("../../app/_lib/grading"),
      };
    });

    test("signing up turns the anonymous learner into the account, progress and all", async () => {
      const learner = newId();
      await m.progress.recordAttempt(learner, "first-container", "hello-busybox", PASSED, "asked");
      const account = await m.accounts.signUp(learner, "  Ada@Example.com ", "correct horse battery");
      assert.deepEqual(account, { id: learner, email: "ada@example.com", role: "student" });
      assert.deepEqual(await m.progress.completedSteps(learner), [{ lessonSlug: "first-container", stepId: "hello-busybox" }]);
      assert.deepEqual(await m.accounts.accountByEmail("ADA@example.com"), account);

      const fresh = await m.accounts.signUp(newId(), "bob@example.com", "another good password");
      assert.equal(fresh.role, "student", "a learner without a row yet gets one");
    });

    test("sign-up refuses a taken email (whatever its case), a second account for one learner, weak passwords and bad emails", async () => {
      const learner = newId();
      await m.accounts.signUp(learner, "cy@example.com", "correct horse battery");
      const refused = async (id: string, email: string, password: string, code: string, message: RegExp) => {
        await assert.rejects(m.accounts.signUp(id, email, password), (e: unknown) => {
          assert.ok(e instanceof m.accounts.AccountError);
          assert.equal(e.code, code);
          assert.match(e.message, message);
          return true;
        });
      };
      await refused(newId(), "CY@example.com", "correct horse battery", "email_taken", /already uses cy@example.com/);
      await refused(learner, "cy2@example.com", "correct horse battery", "already_account", /sign out first/);
      await refused(newId(), "dee@example.com", "short", "weak_password", /at least 10/);
      await refused(newId(), "dee", "correct horse battery", "bad_email", /email address/);
    });

    test("two sign-ups racing on one anonymous learner make exactly one account", async () => {
      const learner = newId();
      await m.progress.recordHelp(learner, "first-container", "hello-busybox", "hint", 0);
      const results = await Promise.allSettled([
        m.accounts.signUp(learner, "race1@example.com", "correct horse battery"),
        m.accounts.signUp(learner, "race2@example.com", "correct horse battery"),
      ]);
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, JSON.stringify(results));
      const winner = (results.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<{ email: string }>).value.email;
      assert.equal((await m.accounts.accountById(learner))?.email, winner);
    });

    test("credentials open the account; a wrong password and an unknown email look the same", async () => {
      const account = await m.accounts.signUp(newId(), "eve@example.com", "correct horse battery");
      assert.deepEqual(await m.accounts.checkCredentials("EVE@example.com ", "correct horse battery"), account);
      assert.equal(await m.accounts.checkCredentials("eve@example.com", "correct horse batterz"), undefined);
      assert.equal(await m.accounts.checkCredentials("nobody@example.com", "correct horse battery"), undefined);
    });

    test("a session speaks for its account until it ends or expires; an anonymous cookie of an account speaks for nobody", async () => {
      const account = await m.accounts.signUp(newId(), "fay@example.com", "correct horse battery");
      const { viewerOf } = m.sessionCookie;
      const session = await m.accounts.startSession(account.id);
      const other = await m.accounts.startSession(account.id);
      assert.deepEqual(await viewerOf({ learner: account.id, session }, m.accounts), { learnerId: account.id, account });
      await m.accounts.endSession(session);
      assert.deepEqual(await viewerOf({ learner: account.id, session }, m.accounts), {}, "signed out");
      assert.deepEqual((await viewerOf({ learner: account.id, session: other }, m.accounts)).account, account, "another browser stays signed in");
      assert.deepEqual(await viewerOf({ learner: account.id }, m.accounts), {}, "the cookie it had while anonymous");
      const anonymous = newId();
      assert.deepEqual(await viewerOf({ learner: anonymous }, m.accounts), { learnerId: anonymous });

      const longAgo = new Date(Date.now() - 31 * DAY);
      const expired = await m.accounts.startSession(account.id, longAgo);
      assert.equal(await m.accounts.accountOfSession(account.id, expired), undefined, "expired after 30 days");
      assert.ok(await m.accounts.accountOfSession(account.id, expired, new Date(longAgo.getTime() + DAY)), "live the day after");
      await m.accounts.startSession(account.id);
      assert.equal(await m.accounts.accountOfSession(account.id, expired, new Date(longAgo.getTime() + DAY)), undefined, "cleared at the next sign-in");
    });

    test("roles change; only accounts are listed; admins are counted", async () => {
      const admins = await m.accounts.countAdmins();
      const account = await m.accounts.signUp(newId(), "gil@example.com", "correct horse battery", "admin");
      assert.equal(await m.accounts.countAdmins(), admins + 1);
      await m.accounts.setRole(account.id, "instructor");
      assert.equal((await m.accounts.accountById(account.id))?.role, "instructor");
      assert.equal(await m.accounts.countAdmins(), admins);
      await m.progress.recordAttempt(newId(), "first-container", "hello-busybox", PASSED, "asked"); // an anonymous learner
      const listed = await m.accounts.allAccounts();
      assert.ok(
        listed.every((a) => a.email.includes("@")),
        "no anonymous learner is listed",
      );
      assert.ok(listed.some((a) => a.email === "gil@example.com" && a.role === "instructor"));
    });

    test("visitors may try the course until an admin says otherwise; the sites that may embed lessons are kept beside it", async () => {
      assert.deepEqual(await m.settings.siteSettings(), { anonymousMayTry: true, embedOrigins: [] });
      await m.settings.setAnonymousMayTry(false);
      assert.deepEqual(await m.settings.siteSettings(), { anonymousMayTry: false, embedOrigins: [] });
      await m.settings.setEmbedOrigins(["https://lms.example.edu", "http://localhost:8000"]);
      await m.settings.setAnonymousMayTry(true);
      assert.deepEqual(await m.settings.siteSettings(), { anonymousMayTry: true, embedOrigins: ["https://lms.example.edu", "http://localhost:8000"] });
    });

    test("a cohort: lessons with due dates, an invite that joins once, expires and can be replaced, graders, counts", async () => {
      const teacher = await m.accounts.signUp(newId(), "ida@example.com", "correct horse battery", "instructor");
      const other = await m.accounts.signUp(newId(), "jo@example.com", "correct horse battery", "instructor");
      const student = await m.accounts.signUp(newId(), "kim@example.com", "correct horse battery");
      const grader = await m.accounts.signUp(newId(), "lee@example.com", "correct horse battery", "grader");
      const dueAt = new Date("2030-06-30T23:59:59.999Z");
      const ownDue = new Date("2030-05-31T23:59:59.999Z");
      const now = new Date();
      const id = await m.cohorts.createCohort(teacher.id, {
        name: "Spring",
        dueAt,
        lessons: [{ slug: "first-container" }, { slug: "volumes", dueAt: ownDue }],
      });
      await m.cohorts.createCohort(other.id, { name: "Someone else's", dueAt, lessons: [{ slug: "first-container" }] });

      const cohort = (await m.cohorts.cohortById(id))!;
      assert.equal(cohort.name, "Spring");
      assert.equal(cohort.instructorId, teacher.id);
      assert.deepEqual(
        [...cohort.lessons].sort((a, b) => a.slug.localeCompare(b.slug)),
        [
          { slug: "first-container", dueAt },
          { slug: "volumes", dueAt: ownDue },
        ],
      );
      assert.match(cohort.inviteCode, /^[\w-]{24}$/);
      assert.ok(Math.abs(cohort.inviteExpiresAt.getTime() - now.getTime() - m.cohorts.INVITE_DAYS * DAY) < 60_000);

      assert.deepEqual(await m.cohorts.cohortByInvite("not-a-code"), { problem: "unknown" });
      assert.deepEqual(await m.cohorts.cohortByInvite(cohort.inviteCode, new Date(cohort.inviteExpiresAt.getTime() + 1)), { problem: "expired" });
      const found = await m.cohorts.cohortByInvite(cohort.inviteCode);
      assert.ok("cohort" in found && found.cohort.id === id);

      await m.cohorts.joinCohort(id, student.id);
      await m.cohorts.joinCohort(id, student.id);
      assert.equal(await m.cohorts.membershipOf(id, student.id), "student");
      await m.cohorts.addGrader(id, grader.id);
      await m.cohorts.joinCohort(id, grader.id);
      assert.equal(await m.cohorts.membershipOf(id, grader.id), "grader", "a grader who opens the link stays a grader");
      assert.equal(await m.cohorts.membershipOf(id, other.id), undefined);
      assert.equal(await m.cohorts.membershipOf(id, undefined), undefined);

      assert.deepEqual(
        (await m.cohorts.roster(id)).map((r) => [r.email, r.membership]),
        [
          ["lee@example.com", "grader"],
          ["kim@example.com", "student"],
        ],
      );
      assert.deepEqual(
        (await m.cohorts.cohortsManagedBy(teacher)).map(({ name, lessons, students, graders }) => ({ name, lessons, students, graders })),
        [{ name: "Spring", lessons: 2, students: 1, graders: 1 }],
      );
      const admin = { id: "admin", email: "admin@localhost", role: "admin" as const };
      assert.deepEqual((await m.cohorts.cohortsManagedBy(admin)).filter((c) => ["Spring", "Someone else's"].includes(c.name)).length, 2);
      const mine = await m.cohorts.cohortsOfMember(student.id);
      assert.deepEqual(
        mine.map((c) => [c.name, c.membership, c.lessons.length]),
        [["Spring", "student", 2]],
      );
      assert.deepEqual(await m.cohorts.cohortsOfMember(undefined), []);

      await m.cohorts.renewInvite(id);
      assert.deepEqual(await m.cohorts.cohortByInvite(cohort.inviteCode), { problem: "unknown" }, "the old link stops working");
      const renewed = (await m.cohorts.cohortById(id))!;
      assert.notEqual(renewed.inviteCode, cohort.inviteCode);
      assert.ok("cohort" in (await m.cohorts.cohortByInvite(renewed.inviteCode)));
    });

    test("a cohort's grades: its students only, its lessons only in course order, each with the evidence recorded", async () => {
      const teacher = await m.accounts.signUp(newId(), "mo@example.com", "correct horse battery", "instructor");
      const [kim, sam, outsider] = await Promise.all(
        ["nia@example.com", "oz@example.com", "pia@example.com"].map((e) => m.accounts.signUp(newId(), e, "correct horse battery")),
      );
      const grader = await m.accounts.signUp(newId(), "quin@example.com", "correct horse battery", "grader");
      const id = await m.cohorts.createCohort(teacher.id, {
        name: "Graded",
        dueAt: new Date(Date.now() + DAY),
        lessons: [{ slug: "volumes" }, { slug: "first-container" }],
      });
      for (const s of [kim!, sam!]) await m.cohorts.joinCohort(id, s.id);
      await m.cohorts.addGrader(id, grader.id);
      const failed: CheckResult = {
        passed: false,
        message: "Not yet",
        criteria: [],
        commands: [{ at: new Date().toISOString(), step: "hello-busybox", exitCode: 0, command: "docker ps" }],
      };
      await m.progress.recordAttempt(kim!.id, "first-container", "hello-busybox", failed, "asked");
      await m.progress.recordAttempt(kim!.id, "first-container", "hello-busybox", PASSED, "asked");
      await m.progress.recordHelp(kim!.id, "first-container", "figlet", "hint", 0);
      for (let i = 0; i < 3; i++) await m.progress.recordAttempt(kim!.id, "first-container", "hello-world", failed, "automatic");
      await m.progress.recordAttempt(kim!.id, "first-container", "hello-world", failed, "asked");
      await m.progress.recordAttempt(kim!.id, "networks", "default-bridge", PASSED, "asked"); // not one of the cohort's lessons
      await m.progress.recordAttempt(outsider!.id, "first-container", "hello-busybox", PASSED, "asked");

      const grades = await m.grading.cohortGrades((await m.cohorts.cohortById(id))!);
      assert.deepEqual(
        grades.lessons.map((l) => l.slug),
        ["first-container", "volumes"],
        "course order",
      );
      assert.deepEqual(grades.students.map((s) => s.email).sort(), ["nia@example.com", "oz@example.com"]);
      const kimGrades = grades.students.find((s) => s.learnerId === kim!.id)!;
      assert.deepEqual(
        kimGrades.lessons.map((l) => l.slug),
        ["first-container", "volumes"],
      );
      const hello = kimGrades.lessons[0]!.steps.find((s) => s.stepId === "hello-busybox")!;
      assert.deepEqual(
        hello.attempts.map((a) => [a.passed, a.result.message]),
        [
          [false, "Not yet"],
          [true, "Well done"],
        ],
      );
      assert.equal(hello.status, "passed");
      assert.deepEqual(
        hello.commands.map((c) => c.command),
        ["docker ps"],
      );
      assert.equal(kimGrades.lessons[0]!.steps.find((s) => s.stepId === "figlet")!.hintsUsed, 1);
      const world = kimGrades.lessons[0]!.steps.find((s) => s.stepId === "hello-world")!;
      assert.deepEqual(
        world.attempts.map((a) => [a.origin, a.passed]),
        [
          ["automatic", false],
          ["automatic", false],
          ["automatic", false],
          ["asked", false],
        ],
        "each check keeps who asked for it",
      );
      assert.deepEqual(world.counts, { asked: 1, automatic: 3, unknown: 0, attempts: 1, failedAttempts: 1 }, "automatic checks are counted apart");
      assert.equal(kimGrades.lessons[0]!.passedSteps, 1);
      const samGrades = grades.students.find((s) => s.learnerId === sam!.id)!;
      assert.ok(
        samGrades.lessons.every((l) => l.passedSteps === 0 && l.steps.every((s) => s.attempts.length === 0)),
        "nobody else's work is theirs",
      );
      const one = await m.grading.cohortGrades((await m.cohorts.cohortById(id))!, sam!.id);
      assert.deepEqual(
        one.students.map((s) => s.email),
        ["oz@example.com"],
      );
    });
  });
}
