import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Stack } from "../support/stack";
import { LtiBrowser, LtiPlatform, ROLE, unescapeHtml, type LaunchSetup, type Page } from "../support/lms";

// Grade passback and roster end to end: the real site (its outbox worker running in the site's process) as the tool
// of the tests' LMS (tests/support/lti-platform with services.py, on PyPI's lti1p3platform). The instructor's
// launch syncs the roster in the background; students then launch, answer the lesson's quizzes through the site's
// API, and the platform records their scores, retried while its gradebook is down.

const stack = new Stack({
  name: "lti-passback",
  sitePort: 3740,
  runnerPort: 3741,
  env: {
    DOCKYARD_CONTENT_DIR: path.resolve("tests/fixtures/lti-content"),
    DOCKYARD_OUTBOUND_ALLOW_PRIVATE: "1", // the LMS is on loopback
    DOCKYARD_OUTBOX_POLL_SECONDS: "1",
    DOCKYARD_OUTBOX_RETRY_SECONDS: "1",
  },
});
const lms = new LtiPlatform();
const site = stack.siteUrl;
const course = { id: "course-7", title: "Containers 7" };
const LINK = { id: "link-grades", title: "Graded in the LMS" };
const person = (id: string) => ({ id, name: `Name of ${id}`, email: `${id}@school.example` });

type Db = typeof import("../../app/_lib/db").db;
let db: Db;
let canvasId: string;

interface Services {
  scores: { userId: string; scoreGiven: number; scoreMaximum: number; comment: string; activityProgress: string }[];
  scoreRefusals: unknown[];
}
const services = async (): Promise<Services> => (await fetch(`${lms.url}/control/services`)).json() as Promise<Services>;
const control = async (route: string, body: unknown) => {
  const answer = await fetch(`${lms.url}/control/${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  assert.ok(answer.ok, await answer.text());
};

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function launch(setup: Omit<LaunchSetup, "platform">, browser = new LtiBrowser()): Promise<Page> {
  const { url } = await lms.setUpLaunch({ platform: "canvas", ...setup });
  return browser.open(url);
}

/** A quiz answered through the site's API in the learner's browser (their session cookie, the site's origin). */
async function answer(browser: LtiBrowser, step: string, choice: number): Promise<void> {
  const jar = browser.cookies.get(new URL(site).host)!;
  const response = await fetch(`${site}/api/lessons/grades/steps/${step}/quiz`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: site, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    body: JSON.stringify({ choices: [choice] }),
  });
  assert.equal(response.status, 200, await response.text());
}

const scoresOf = async (userId: string) => (await services()).scores.filter((s) => s.userId === userId).map((s) => [s.scoreGiven, s.scoreMaximum]);

describe("LTI grade passback and roster through the real site", { timeout: 300_000 }, () => {
  before(async () => {
    await stack.reset();
    await Promise.all([stack.startSite(), lms.start()]);
    process.env.DOCKYARD_DATA_DIR = stack.dataDir; // this process reads the site's database
    ({ db } = await import("../../app/_lib/db"));
    ({ platformId: canvasId } = await lms.createRegistered("canvas", site));
    await control("rosters", {
      platform: "canvas",
      context: course,
      pageSize: 2,
      members: [
        { user_id: "teacher-7", roles: [ROLE.instructor], ...person("teacher-7") },
        { user_id: "ada", roles: [ROLE.learner], ...person("ada") },
        { user_id: "bo", roles: [ROLE.learner], ...person("bo") },
        { user_id: "ta-7", roles: [ROLE.teachingAssistant], ...person("ta-7") },
      ],
    });
  });
  after(async () => {
    await Promise.all([lms.stop(), stack.stop()]);
  });

  test("the instructor's launch fills the roster before students arrive", async () => {
    const teacher = new LtiBrowser();
    const page = await launch(
      { user: person("teacher-7"), roles: [ROLE.instructor], context: course, resourceLink: LINK, custom: { lesson: "grades" } },
      teacher,
    );
    assert.equal(page.status, 200);
    const context = await db.ltiContext.findUniqueOrThrow({ where: { platformId_contextId: { platformId: canvasId, contextId: course.id } } });
    const synced = await eventually(
      "the roster synced",
      async () => (await db.ltiContext.findUniqueOrThrow({ where: { cohortId: context.cohortId } })).rosterSyncedAt ?? undefined,
    );
    assert.ok(synced);
    const members = await db.cohortMember.findMany({ where: { cohortId: context.cohortId }, include: { learner: { include: { identities: true } } } });
    assert.deepEqual(members.map((m) => [m.learner.identities[0]?.subject, m.role]).sort(), [
      ["ada", "student"],
      ["bo", "student"],
      ["ta-7", "grader"],
    ]);
    const cohortPage = unescapeHtml((await teacher.open(`${site}/cohorts/${context.cohortId}`)).body);
    assert.match(cohortPage, /Roster from the LMS/);
    assert.match(cohortPage, /Last synced \d+ \w+ \d{4}, [\d:]+ UTC\./);
    assert.match(cohortPage, /The last automatic sync: The LMS lists 4 active members; 3 new members joined the cohort\./);
    assert.match(cohortPage, />Sync roster</);
  });

  test("a student's quiz answers reach the LMS as scores, 1/3 then 3/3, retried while the gradebook is down", async () => {
    const ada = new LtiBrowser();
    const landed = await launch({ user: person("ada"), roles: [ROLE.learner], context: course, resourceLink: LINK }, ada);
    assert.ok(new URL(landed.url).pathname.endsWith("/lessons/grades"), landed.url);
    await answer(ada, "ports", 1);
    await eventually("ada's first score", async () => ((await scoresOf("ada")).length === 1 ? true : undefined));
    const [first] = (await services()).scores;
    assert.deepEqual([first!.scoreGiven, first!.scoreMaximum, first!.activityProgress], [1, 3, "InProgress"]);
    assert.equal(first!.comment, "1 of 3 graded steps of “Graded in the LMS” passed. Still missing: “Images and containers”, “Keeping data”.");

    await answer(ada, "images", 0);
    await answer(ada, "volumes", 1);
    const all = await eventually("ada's full score", async () => {
      const mine = await scoresOf("ada");
      return mine.at(-1)?.[0] === 3 ? mine : undefined;
    });
    assert.deepEqual(all.at(-1), [3, 3]);

    await control("scores/down", { failures: 2 });
    const bo = new LtiBrowser();
    await launch({ user: person("bo"), roles: [ROLE.learner], context: course, resourceLink: LINK }, bo);
    await answer(bo, "ports", 1);
    assert.deepEqual(await eventually("bo's score, once the gradebook is back", async () => ((await scoresOf("bo")).length ? scoresOf("bo") : undefined)), [
      [1, 3],
    ]);
    assert.equal((await services()).scoreRefusals.length, 2, "refused twice while down, then accepted");
    const boId = (await db.identity.findUniqueOrThrow({ where: { provider_subject: { provider: `lti:${canvasId}`, subject: "bo" } } })).learnerId;
    // The platform records the score before its answer reaches Dockyard, which then marks the score accepted.
    await eventually("bo's score marked accepted", async () => (await db.ltiScore.findFirstOrThrow({ where: { learnerId: boId } })).acceptedAt ?? undefined);
  });
});
