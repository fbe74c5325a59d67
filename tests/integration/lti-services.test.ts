import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPair, SignJWT } from "jose";
import path from "node:path";
import { freshDatabase } from "../support/fresh-database";
import { LtiPlatform, ROLE, toolUrls, type PlatformRegistration } from "../support/lms";
import type { CheckResult } from "@dockyard/contract";

// LTI Advantage services against the tests' LMS (tests/support/lti-platform: PyPI's lti1p3platform, with
// services.py): the site's own modules on a fresh database record learners' work as the site does, the outbox
// sends, and the platform verifies Dockyard's client assertion against its JWKS, grants tokens, makes the line
// item, records the scores and serves the roster. The lesson is tests/fixtures/lti-content's "grades": three
// graded quiz steps and one that is not.

type Modules = {
  db: typeof import("../../app/_lib/db");
  cohorts: typeof import("../../app/_lib/cohorts");
  accounts: typeof import("../../app/_lib/accounts");
  progress: typeof import("../../app/_lib/progress");
  identities: typeof import("../../app/_lib/identities");
  keys: typeof import("../../app/_lib/lti/keys");
  roster: typeof import("../../app/_lib/lti/roster");
  services: typeof import("../../app/_lib/lti/services");
  worker: typeof import("../../app/_lib/outbox/worker");
};

const PASSED: CheckResult = { passed: true, message: "Right", criteria: [] };
const FAILED: CheckResult = { passed: false, message: "Not yet", criteria: [] };
const LESSON = "grades";

interface RecordedScore {
  lineItem: string;
  label: string;
  userId: string;
  scoreGiven: number;
  scoreMaximum: number;
  comment: string;
  activityProgress: string;
  gradingProgress: string;
  timestamp: string;
}
interface Services {
  scores: RecordedScore[];
  tokens: { platform: string; scope: string }[];
  scoreRefusals: unknown[];
  lineItems: { id: string; label: string; resourceLinkId?: string; tag?: string; resourceId?: string; scoreMaximum: number }[];
}

describe("LTI grade passback and roster against the lti1p3platform LMS", () => {
  const lms = new LtiPlatform();
  let m: Modules;
  let jwks: http.Server;
  let registration: PlatformRegistration;
  let platformId: string;
  let cohortId: string;
  let instructorId: string;
  const contextId = "course-101";

  const services = async (): Promise<Services> => (await fetch(`${lms.url}/control/services`)).json() as Promise<Services>;
  const control = async (route: string, body: unknown) => {
    const answer = await fetch(`${lms.url}/control/${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    assert.ok(answer.ok, await answer.text());
  };
  /** The outbox worker's passes, `minutes` from now (its back-off makes a failed message due later). */
  const drain = (minutes = 0) => m.worker.drain(() => new Date(Date.now() + minutes * 60_000));
  const scoreMessages = () => m.db.db.outboxMessage.findMany({ where: { kind: "lti-score" }, orderBy: { createdAt: "asc" } });

  /** A student of the course: known to Dockyard through the LMS (as a launch leaves them), in the cohort. */
  async function student(subject: string): Promise<string> {
    const { learnerId } = await m.identities.signInIdentity({ provider: `lti:${platformId}`, subject, email: `${subject}@school.test`, emailVerified: true });
    await m.cohorts.joinCohort(cohortId, learnerId);
    return learnerId;
  }

  before(async () => {
    process.env.DATABASE_URL = await freshDatabase("sqlite", "lti-services");
    process.env.DOCKYARD_SECRET = "integration-test-secret";
    process.env.DOCKYARD_CONTENT_DIR = path.resolve("tests/fixtures/lti-content");
    process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE = "1"; // the LMS is on loopback
    // Imported only now: the database client is made for DATABASE_URL when the modules load.
    m = {
      db: await import("../../app/_lib/db"),
      cohorts: await import("../../app/_lib/cohorts"),
      accounts: await import("../../app/_lib/accounts"),
      progress: await import("../../app/_lib/progress"),
      identities: await import("../../app/_lib/identities"),
      keys: await import("../../app/_lib/lti/keys"),
      roster: await import("../../app/_lib/lti/roster"),
      services: await import("../../app/_lib/lti/services"),
      worker: await import("../../app/_lib/outbox/worker"),
    };
    // The tool's key set, as the site publishes it at /lti/jwks: the platform checks client assertions against it.
    jwks = http.createServer(
      (_req, res) => void m.keys.toolJwks().then((set) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(set))),
    );
    await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
    const site = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
    await lms.start();
    registration = await lms.createPlatform("canvas", { ...toolUrls(site), jwksUrl: `${site}/lti/jwks` });
    platformId = crypto.randomUUID();
    await m.db.db.ltiPlatform.create({
      data: {
        id: platformId,
        name: "Canvas (test)",
        issuer: registration.issuer,
        clientId: registration.clientId,
        authLoginUrl: registration.authLoginUrl,
        authTokenUrl: registration.authTokenUrl,
        jwksUrl: registration.jwksUrl,
        deploymentIds: JSON.stringify([registration.deploymentId]),
      },
    });
    instructorId = (await m.accounts.signUp(crypto.randomUUID(), "teacher@school.test", "correct horse battery", "instructor")).id;
    await m.identities.signInIdentity({ provider: `lti:${platformId}`, subject: "teacher-1", email: "teacher@school.test", emailVerified: true });
    cohortId = await m.cohorts.createCohort(instructorId, { name: "Course 101", dueAt: new Date(Date.now() + 30 * 86_400_000), lessons: [{ slug: LESSON }] });
    // What the instructor's launch and Deep Linking left: the course with its service URLs, the lesson assigned.
    const course = `${registration.issuer}/contexts/${contextId}`;
    await m.db.db.ltiContext.create({
      data: { platformId, contextId, cohortId, title: "Course 101", membershipsUrl: `${course}/memberships?limit=2`, lineItemsUrl: `${course}/lineitems` },
    });
    await m.db.db.ltiAssignment.create({ data: { id: crypto.randomUUID(), platformId, contextId, lessonSlug: LESSON, resourceLinkId: "link-grades" } });
  });

  after(async () => {
    await lms.stop();
    await new Promise((r) => jwks?.close(r));
    await m?.db.db.$disconnect();
  });

  test("a learner's passed steps reach the LMS as a score (1/3, then 3/3), its comment naming the steps still missing", async () => {
    const ada = await student("ada");
    await m.progress.recordAttempt(ada, LESSON, "ports", PASSED, "asked");
    assert.equal(await drain(), 1);
    let { scores, lineItems, tokens } = await services();
    assert.equal(lineItems.length, 1, "the line item was made for the resource link, the launch having named none");
    assert.deepEqual(
      { resourceLinkId: lineItems[0]!.resourceLinkId, tag: lineItems[0]!.tag, resourceId: lineItems[0]!.resourceId, label: lineItems[0]!.label },
      { resourceLinkId: "link-grades", tag: "dockyard", resourceId: LESSON, label: "Graded in the LMS" },
    );
    assert.equal(scores.length, 1);
    assert.deepEqual(
      { ...scores[0], timestamp: undefined },
      {
        lineItem: lineItems[0]!.id,
        label: "Graded in the LMS",
        userId: "ada",
        scoreGiven: 1,
        scoreMaximum: 3,
        comment: "1 of 3 graded steps of “Graded in the LMS” passed. Still missing: “Images and containers”, “Keeping data”.",
        activityProgress: "InProgress",
        gradingProgress: "FullyGraded",
        timestamp: undefined,
      },
    );

    await m.progress.recordAttempt(ada, LESSON, "read", PASSED, "asked"); // not graded: the score stays
    await m.progress.recordAttempt(ada, LESSON, "ports", PASSED, "asked"); // passed again: nothing new
    await m.progress.recordAttempt(ada, LESSON, "images", FAILED, "asked");
    assert.equal((await scoreMessages()).length, 1, "no message while the score did not change");
    await m.progress.recordAttempt(ada, LESSON, "images", PASSED, "asked");
    await m.progress.recordAttempt(ada, LESSON, "volumes", PASSED, "automatic");
    assert.equal(await drain(), 2);
    ({ scores, lineItems, tokens } = await services());
    assert.equal(lineItems.length, 1, "the line item found again is not made twice");
    assert.deepEqual(
      scores.filter((s) => s.userId === "ada").map((s) => [s.scoreGiven, s.scoreMaximum, s.activityProgress, s.comment]),
      [
        [1, 3, "InProgress", "1 of 3 graded steps of “Graded in the LMS” passed. Still missing: “Images and containers”, “Keeping data”."],
        [3, 3, "Completed", "All 3 of 3 graded steps of “Graded in the LMS” passed."],
      ],
      "the message of 2/3 gave way to the newer one, which sent the current score",
    );
    const accepted = await m.db.db.ltiScore.findMany({ where: { learnerId: ada } });
    assert.deepEqual(
      accepted.map((s) => [s.given, s.maximum, !!s.acceptedAt]),
      [[3, 3, true]],
    );
    assert.deepEqual(
      tokens.map((t) => t.scope),
      ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem", "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
      "one token per scope, reused while valid",
    );
  });

  test("while the LMS's gradebook is down, the score is retried until it is accepted, and the newest score is the one sent", async () => {
    await control("scores/down", { failures: 2 });
    const bo = await student("bo");
    await m.progress.recordAttempt(bo, LESSON, "ports", PASSED, "asked");
    assert.equal(await drain(), 1);
    const [message] = (await scoreMessages()).filter((msg) => msg.target.endsWith(`/${bo}`));
    assert.equal(message!.deliveredAt, null);
    assert.equal(message!.lastStatus, 503);
    assert.match(message!.lastResponse!, /^Canvas \(test\) did not take the score: HTTP 503 The gradebook is down for maintenance\.$/);
    assert.ok(message!.nextAttemptAt > new Date(), "backed off");
    assert.equal(await drain(), 0, "not due again yet");

    await m.progress.recordAttempt(bo, LESSON, "images", PASSED, "asked"); // a newer score, queued behind
    assert.equal(await drain(60), 2, "the retry, which gives way to the new message, and the new message (refused: still down)");
    assert.equal(await drain(120), 1, "the new message again, now accepted");
    const { scores, scoreRefusals } = await services();
    assert.equal(scoreRefusals.length, 2);
    assert.deepEqual(
      scores.filter((s) => s.userId === "bo").map((s) => [s.scoreGiven, s.scoreMaximum]),
      [[2, 3]],
      "the platform recorded the newest score, once",
    );
    const [first, second] = (await scoreMessages()).filter((msg) => msg.target.endsWith(`/${bo}`));
    assert.deepEqual(
      [first!.attempts, !!first!.deliveredAt, first!.lastResponse],
      [2, true, "A newer message sends this learner's current score in its place."],
    );
    assert.deepEqual([second!.attempts, !!second!.deliveredAt, second!.lastStatus], [2, true, 200]);
    assert.match(second!.lastResponse!, /^Canvas \(test\) took the score 2\/3\./);
    assert.ok((await m.db.db.ltiScore.findFirst({ where: { learnerId: bo } }))!.acceptedAt);
  });

  test("the platform grants no token for a client assertion the tool's JWKS does not verify, and says so in words Dockyard passes on", async () => {
    const { keys } = await m.keys.toolJwks();
    const { privateKey: rogue } = await generateKeyPair("RS256");
    const forger = new m.services.ServiceClient({
      // The tool's kid, another key: only the signature gives it away.
      sign: (claims, o) =>
        new SignJWT({ ...claims })
          .setProtectedHeader({ alg: "RS256", kid: keys[0]!.kid! })
          .setIssuer(o.issuer)
          .setSubject(o.subject!)
          .setAudience(o.audience)
          .setIssuedAt()
          .setExpirationTime("5m")
          .setJti(crypto.randomUUID())
          .sign(rogue),
      checkUrl: () => {},
    });
    const platform = await m.db.db.ltiPlatform.findUniqueOrThrow({ where: { id: platformId } });
    const granted = (await services()).tokens.length;
    await assert.rejects(forger.token(platform, m.services.SCOPES.score), (e: unknown) => {
      assert.ok(e instanceof m.services.LtiServiceError);
      assert.equal(e.status, 400);
      assert.match(e.message, /^Canvas \(test\) refused Dockyard access to sending scores \(HTTP 400: Signature verification failed\)\. Check that/);
      return true;
    });
    assert.equal((await services()).tokens.length, granted, "no token granted");
  });

  test("the roster fills the cohort before students launch: accounts, memberships by role, paged; failures in plain words", async () => {
    const member = (user_id: string, role: string, extra: object = {}) => ({
      user_id,
      roles: [role],
      name: `Name of ${user_id}`,
      email: `${user_id}@school.test`,
      ...extra,
    });
    await control("rosters", {
      platform: "canvas",
      context: { id: contextId, title: "Course 101" },
      pageSize: 2,
      members: [
        member("teacher-1", ROLE.instructor),
        member("ta-1", ROLE.teachingAssistant),
        member("ada", ROLE.learner),
        member("cy", ROLE.learner),
        member("dee", ROLE.learner, { email: undefined }),
        member("gone", ROLE.learner, { status: "Inactive" }),
      ],
    });
    const before = await m.db.db.identity.count({ where: { provider: `lti:${platformId}` } });
    await m.roster.queueRosterSync(cohortId);
    await m.roster.queueRosterSync(cohortId);
    assert.equal(await drain(), 1, "one sync queued however many launches asked");
    const status = await m.roster.rosterStatus(cohortId);
    assert.ok(status?.syncedAt);
    assert.deepEqual(status.last && [status.last.failed, status.last.words], [false, "The LMS lists 5 active members; 3 new members joined the cohort."]);

    assert.equal(await m.db.db.identity.count({ where: { provider: `lti:${platformId}` } }), before + 3, "ta-1, cy and dee: every page was read");
    const members = new Map((await m.cohorts.roster(cohortId)).map((r) => [r.email, r.membership]));
    assert.equal(members.get("ta-1@school.test"), "grader");
    assert.equal(members.get("cy@school.test"), "student");
    assert.equal(members.has("teacher@school.test"), false, "the instructor owns the cohort");
    const dee = await m.db.db.identity.findUnique({ where: { provider_subject: { provider: `lti:${platformId}`, subject: "dee" } } });
    assert.equal((await m.cohorts.membershipOf(cohortId, dee!.learnerId))!, "student", "a member without an email is in the cohort too");
    assert.equal((await m.accounts.accountByEmail("ta-1@school.test"))?.role, "grader");
    assert.equal(await m.db.db.identity.count({ where: { subject: "gone" } }), 0, "an inactive member is left out");

    // Cy's first launch signs in the account the roster made.
    const cy = await m.identities.signInIdentity({ provider: `lti:${platformId}`, subject: "cy", email: "cy@school.test", emailVerified: true });
    assert.equal(cy.outcome, "known");

    // A course the LMS has no roster of: the failure is kept for the instructor in plain words, and retried.
    const otherCohort = await m.cohorts.createCohort(instructorId, {
      name: "Course 202",
      dueAt: new Date(Date.now() + 86_400_000),
      lessons: [{ slug: LESSON }],
    });
    await m.db.db.ltiContext.create({
      data: {
        platformId,
        contextId: "course-202",
        cohortId: otherCohort,
        title: "Course 202",
        membershipsUrl: `${registration.issuer}/contexts/course-202/memberships`,
      },
    });
    await m.roster.queueRosterSync(otherCohort);
    await drain();
    const failed = await m.roster.rosterStatus(otherCohort);
    assert.equal(failed?.syncedAt, undefined);
    assert.equal(failed?.last?.failed, true);
    assert.equal(failed?.last?.words, "Canvas (test) refused the roster of “Course 202” (HTTP 404: no roster for context course-202).");
    assert.ok(failed?.last?.retryAt);
  });
});
