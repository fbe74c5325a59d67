import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { contentDir, findLesson, isGraded, type CheckResult } from "@dockyard/contract/server";
import { freshDatabase } from "./fresh-database";

// The outbox and the webhook events against a real, freshly migrated database, run once per database
// (tests/integration/outbox-sqlite.test.ts and outbox-postgresql.test.ts): leases taken by concurrent workers,
// the back-off and abandonment recorded, and which endpoints an event is queued for, in the progress's transaction.

type Modules = {
  db: typeof import("../../app/_lib/db");
  queue: typeof import("../../app/_lib/outbox/queue");
  worker: typeof import("../../app/_lib/outbox/worker");
  senders: typeof import("../../app/_lib/outbox/senders");
  events: typeof import("../../app/_lib/webhooks/events");
  progress: typeof import("../../app/_lib/progress");
};

const SLUG = "first-container";
const passed: CheckResult = { passed: true, message: "Done", criteria: [{ name: "logs", passed: true, message: "ok" }] };
const failed: CheckResult = { passed: false, message: "Not yet", criteria: [{ name: "logs", passed: false, message: "no" }] };

export function outboxScenarios(database: "sqlite" | "postgresql") {
  describe(`the outbox and webhook events on ${database}`, () => {
    let m: Modules;
    const sent: { id: string; attempt: number }[] = [];
    let answer: (id: string, attempt: number) => { accepted: boolean; status?: number; response: string; abandon?: boolean } = () => ({
      accepted: true,
      response: "",
    });

    before(async () => {
      process.env.DATABASE_URL = await freshDatabase(database, "outbox");
      Object.assign(process.env, { DOCKYARD_OUTBOX_RETRY_SECONDS: "10", DOCKYARD_OUTBOX_MAX_RETRY_SECONDS: "60", DOCKYARD_OUTBOX_MAX_ATTEMPTS: "5" });
      // Imported only now: the database client is made for DATABASE_URL when the modules load.
      m = {
        db: await import("../../app/_lib/db"),
        queue: await import("../../app/_lib/outbox/queue"),
        worker: await import("../../app/_lib/outbox/worker"),
        senders: await import("../../app/_lib/outbox/senders"),
        events: await import("../../app/_lib/webhooks/events"),
        progress: await import("../../app/_lib/progress"),
      };
      // A sender of the tests' own kind stands in for the receiver.
      m.senders.SENDERS["test"] = async (message) => {
        sent.push({ id: message.id, attempt: message.attempts + 1 });
        return answer(message.id, message.attempts + 1);
      };
    });
    after(() => m?.db.db.$disconnect());

    const db = () => m.db.db;
    const queueTest = (n: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => m.queue.enqueue(db(), { kind: "test", target: "t", topic: `n${i}`, payload: { i } })));
    const clear = () => db().outboxMessage.deleteMany({});

    test("workers claiming at the same moment each get their own messages, and a lease keeps others off until it passes", async () => {
      await clear();
      const ids = await queueTest(30);
      const now = new Date(Date.now() + 1000);
      const claims = await Promise.all(Array.from({ length: 6 }, () => m.worker.claim(now, 30)));
      const claimed = claims.flatMap((c) => c.map((x) => x.message.id));
      assert.equal(claimed.length, 30, "every message claimed");
      assert.equal(new Set(claimed).size, 30, "none twice");
      assert.deepEqual(new Set(claimed), new Set(ids));
      assert.deepEqual(await m.worker.claim(new Date(now.getTime() + 59_000)), [], "leased messages are not due to others");
      // A worker that died holding them lets them go when the lease passes.
      const later = await m.worker.claim(new Date(now.getTime() + 61_000), 30);
      assert.equal(later.length, 30);
    });

    test("a failing message backs off exponentially up to the cap and is abandoned after the last attempt, with the last answer kept", async () => {
      await clear();
      sent.length = 0;
      answer = (_id, attempt) => ({ accepted: false, status: 503, response: `down (${attempt})` });
      const [id] = await queueTest(1);
      let clock = new Date(Date.now() + 1000);
      const waits: number[] = [];
      for (let attempt = 1; attempt <= 5; attempt++) {
        assert.equal(await m.worker.drain(() => clock), 1, `attempt ${attempt}`);
        const row = (await db().outboxMessage.findUnique({ where: { id: id! } }))!;
        assert.equal(row.attempts, attempt);
        assert.equal(row.lastStatus, 503);
        assert.equal(row.lastResponse, `down (${attempt})`);
        assert.equal(row.leasedUntil, null);
        if (attempt < 5) {
          waits.push((row.nextAttemptAt.getTime() - clock.getTime()) / 1000);
          assert.equal(await m.worker.drain(() => new Date(row.nextAttemptAt.getTime() - 1)), 0, "not before its time");
          clock = row.nextAttemptAt;
        } else assert.ok(row.abandonedAt, "abandoned after the last attempt");
      }
      assert.deepEqual(waits, [10, 20, 40, 60]);
      assert.equal(await m.worker.drain(() => new Date(clock.getTime() + 3_600_000)), 0, "an abandoned message is not sent again");
      // "Retry now" starts a new round.
      assert.ok(await m.queue.resendNow(db(), id!, clock));
      answer = () => ({ accepted: true, status: 204, response: "" });
      assert.equal(await m.worker.drain(() => clock), 1);
      const row = (await db().outboxMessage.findUnique({ where: { id: id! } }))!;
      assert.deepEqual([row.attempts, row.lastStatus, Boolean(row.deliveredAt), row.abandonedAt], [1, 204, true, null]);
      assert.equal(await m.queue.resendNow(db(), id!), false, "a delivered message is not sent again");
    });

    test("a sender that says retrying cannot help abandons at once; one that throws is retried", async () => {
      await clear();
      const [gone, flaky] = await queueTest(2);
      answer = (id) => {
        if (id === gone) return { accepted: false, response: "The endpoint was deleted.", abandon: true };
        throw new Error("socket hang up");
      };
      await m.worker.drain(() => new Date(Date.now() + 1000));
      const rows = await db().outboxMessage.findMany({ where: { id: { in: [gone!, flaky!] } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      assert.ok(byId.get(gone!)!.abandonedAt);
      assert.equal(byId.get(flaky!)!.abandonedAt, null);
      assert.equal(byId.get(flaky!)!.lastResponse, "Sending failed: socket hang up");
      assert.equal(byId.get(flaky!)!.attempts, 1);
    });

    test("delivered and abandoned messages are deleted once kept for DOCKYARD_OUTBOX_KEEP_DAYS; one still being retried stays however old", async () => {
      await clear();
      const [oldDelivered, newDelivered, oldAbandoned, oldPending] = await queueTest(4);
      const day = 86_400_000;
      const now = new Date();
      const ago = (days: number) => new Date(now.getTime() - days * day);
      await db().outboxMessage.update({ where: { id: oldDelivered! }, data: { createdAt: ago(40), deliveredAt: ago(31) } });
      await db().outboxMessage.update({ where: { id: newDelivered! }, data: { createdAt: ago(40), deliveredAt: ago(29) } });
      await db().outboxMessage.update({ where: { id: oldAbandoned! }, data: { createdAt: ago(40), abandonedAt: ago(31) } });
      await db().outboxMessage.update({ where: { id: oldPending! }, data: { createdAt: ago(90), nextAttemptAt: ago(31), attempts: 3 } });
      process.env.DOCKYARD_OUTBOX_KEEP_DAYS = "30";
      try {
        assert.equal(await m.worker.prune(now), 2);
      } finally {
        delete process.env.DOCKYARD_OUTBOX_KEEP_DAYS;
      }
      const left = (await db().outboxMessage.findMany({ select: { id: true } })).map((r) => r.id).sort();
      assert.deepEqual(left, [newDelivered!, oldPending!].sort(), "kept: delivered 29 days ago, and the one still due");
    });

    describe("webhook events", () => {
      const learnerId = `learner-${database}`;
      const queued = async () =>
        (await db().outboxMessage.findMany({ where: { kind: "webhook" }, orderBy: { createdAt: "asc" } })).map((r) => `${r.topic}→${r.target}`).sort();

      before(async () => {
        const d = db();
        await d.learner.create({ data: { id: "teacher", email: "teacher@example.com", role: "instructor" } });
        await d.learner.create({ data: { id: learnerId, email: "ann@example.com" } });
        const cohort = (id: string, lessons: string[]) =>
          d.cohort.create({
            data: {
              id,
              name: id,
              instructorId: "teacher",
              dueAt: new Date(),
              inviteCode: id,
              inviteExpiresAt: new Date(),
              lessons: { create: lessons.map((lessonSlug) => ({ lessonSlug })) },
            },
          });
        await cohort("with-lesson", [SLUG]);
        await cohort("other-lesson", ["volumes"]);
        await cohort("not-a-member", [SLUG]);
        await d.cohortMember.createMany({
          data: [
            { cohortId: "with-lesson", learnerId, role: "student" },
            { cohortId: "other-lesson", learnerId, role: "student" },
          ],
        });
        const endpoint = (id: string, cohortId: string | null, events: string[] = [], disabledAt: Date | null = null) =>
          d.webhookEndpoint.create({
            data: { id, url: "http://127.0.0.1:9/", cohortId, secret: "whsec_AAAA", events: JSON.stringify(events), createdById: "teacher", disabledAt },
          });
        await endpoint("site-all", null);
        await endpoint("site-passed", null, ["step.passed", "lesson.completed"]);
        await endpoint("site-disabled", null, [], new Date());
        await endpoint("cohort", "with-lesson");
        await endpoint("cohort-other-lesson", "other-lesson");
        await endpoint("cohort-not-member", "not-a-member");
      });

      test("an event goes to the site's endpoints and those of the learner's cohorts with the lesson, as each endpoint's events filter it", async () => {
        await clear();
        assert.equal(await m.events.recordEvent(db(), { type: "lab.started", learnerId, lessonSlug: SLUG }), 2);
        assert.deepEqual(await queued(), ["lab.started→cohort", "lab.started→site-all"]);
        const [message] = await db().outboxMessage.findMany({ where: { target: "cohort" } });
        const body = JSON.parse(message!.payload);
        assert.deepEqual(body.data, {
          learner: { id: learnerId, email: "ann@example.com" },
          lesson: { slug: SLUG, title: "Your first container" },
          cohortIds: ["with-lesson"],
        });
        assert.equal(message!.id.startsWith("msg_"), true);
      });

      test("events are queued in the progress's transaction: none when it rolls back", async () => {
        await clear();
        await assert.rejects(
          db().$transaction(async (tx) => {
            await m.events.recordEvent(tx, { type: "lab.started", learnerId, lessonSlug: SLUG });
            throw new Error("the progress failed");
          }),
          /the progress failed/,
        );
        assert.deepEqual(await queued(), []);
      });

      test("checks tell every attempt, a step passed only the first time, the lesson completed with its last graded step; help only when new", async () => {
        await clear();
        const graded = findLesson(contentDir(), SLUG)!
          .steps.filter(isGraded)
          .map((s) => s.id);
        assert.ok(graded.length >= 2);
        await m.progress.recordAttempt(learnerId, SLUG, graded[0]!, failed, "asked");
        await m.progress.recordAttempt(learnerId, SLUG, graded[0]!, passed, "asked");
        await m.progress.recordAttempt(learnerId, SLUG, graded[0]!, passed, "automatic");
        await m.progress.recordHelp(learnerId, SLUG, graded[1]!, "hint", 0);
        await m.progress.recordHelp(learnerId, SLUG, graded[1]!, "hint", 0);
        await m.progress.recordHelp(learnerId, SLUG, graded[1]!, "solution", 0);
        await m.progress.recordHelp(learnerId, SLUG, graded[1]!, "solution", 0);
        // Sorted: messages queued within one millisecond have no order.
        const topics = async (target: string) => (await db().outboxMessage.findMany({ where: { target } })).map((r) => r.topic).sort();
        assert.deepEqual(await topics("cohort"), [
          "check.attempted",
          "check.attempted",
          "check.attempted",
          "hint.revealed",
          "solution.revealed",
          "step.passed",
        ]);
        assert.deepEqual(await topics("site-passed"), ["step.passed"]);
        for (const step of graded.slice(1)) await m.progress.recordAttempt(learnerId, SLUG, step, passed, "asked");
        assert.deepEqual(await topics("site-passed"), ["lesson.completed", ...graded.map(() => "step.passed")]);
        await m.progress.recordAttempt(learnerId, SLUG, graded[0]!, passed, "asked");
        assert.deepEqual(await topics("site-passed"), ["lesson.completed", ...graded.map(() => "step.passed")], "passing again tells nothing new");
        assert.deepEqual(await topics("site-disabled"), []);
        assert.deepEqual(await topics("cohort-other-lesson"), []);
        assert.deepEqual(await topics("cohort-not-member"), []);
      });

      test("passing checks of one step at the same moment record it once and tell step.passed and lesson.completed once; so do help reveals", async () => {
        await clear();
        const racer = `${learnerId}-racing`;
        await db().learner.create({ data: { id: racer, email: `racing-${database}@example.com` } });
        await db().cohortMember.create({ data: { cohortId: "with-lesson", learnerId: racer, role: "student" } });
        const graded = findLesson(contentDir(), SLUG)!
          .steps.filter(isGraded)
          .map((s) => s.id);
        for (const step of graded.slice(0, -1)) await m.progress.recordAttempt(racer, SLUG, step, passed, "asked");
        const last = graded.at(-1)!;
        const results = await Promise.allSettled([
          ...Array.from({ length: 6 }, () => m.progress.recordAttempt(racer, SLUG, last, passed, "asked")),
          ...Array.from({ length: 4 }, () => m.progress.recordHelp(racer, SLUG, last, "hint", 0)),
        ]);
        assert.deepEqual(
          results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason)),
          [],
          "every attempt is recorded",
        );
        const told = async (topic: string) => db().outboxMessage.count({ where: { target: "site-all", topic, payload: { contains: racer } } });
        assert.equal(await told("step.passed"), graded.length);
        assert.equal(await told("lesson.completed"), 1);
        assert.equal(await told("hint.revealed"), 1);
        assert.equal(await told("check.attempted"), graded.length - 1 + 6);
        assert.equal(await db().checkAttempt.count({ where: { learnerId: racer } }), graded.length - 1 + 6);
      });
    });
  });
}
