import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { REFUSALS } from "@dockyard/contract";
import { Stack } from "../support/stack";
import { LtiBrowser, LtiPlatform, ROLE, toolUrls, unescapeHtml, type LaunchSetup, type Page } from "../support/lms";

// Dockyard as an LTI 1.3 tool, against a real platform (PyPI's lti1p3platform, tests/support/lti-platform/) and
// the real site: launches sign people in and make the course a cohort with their roles, Deep Linking assigns
// lessons (the platform verifies the response with Dockyard's JWKS and records the items), Dynamic Registration
// adds a second platform, and forged, replayed, misdirected or stale launches are refused in plain words.

const stack = new Stack({ name: "lti-it", sitePort: 3700, runnerPort: 3701, env: { DOCKYARD_OUTBOUND_ALLOW_PRIVATE: "1" } }); // the LMS is on loopback
const lms = new LtiPlatform();
const site = stack.siteUrl;
const ADMIN = { email: "admin@example.com", password: "correct horse battery admin" };

type Db = typeof import("../../app/_lib/db").db;
let db: Db;
let canvasId: string;

const shown = (page: Page) => unescapeHtml(page.body);

/** A person opening the LMS's link to Dockyard, in a browser of their own. */
async function launch(setup: Omit<LaunchSetup, "platform"> & { platform?: string }, browser = new LtiBrowser()): Promise<Page> {
  const { url } = await lms.setUpLaunch({ platform: "canvas", ...setup });
  return browser.open(url);
}

const course = { id: "course-1", title: "Containers 101" };
const person = (id: string, email = `${id}@school.example`) => ({ id, email, name: id });
const learnerOf = async (provider: string, subject: string) =>
  (await db.identity.findUniqueOrThrow({ where: { provider_subject: { provider, subject } }, include: { learner: true } })).learner;

describe("LTI 1.3: Dockyard as the tool of a real platform", { timeout: 300_000 }, () => {
  before(async () => {
    await stack.reset();
    stack.createAdmin(ADMIN.email, ADMIN.password);
    await Promise.all([stack.startSite(), lms.start()]);
    process.env.DOCKYARD_DATA_DIR = stack.dataDir; // this process reads the site's database and secret
    ({ db } = await import("../../app/_lib/db"));
    ({ platformId: canvasId } = await lms.createRegistered("canvas", site));
  });
  after(async () => {
    await Promise.all([lms.stop(), stack.stop()]);
  });

  test("a learner before any instructor is told the course has no class yet; the instructor's launch makes it, TA and learner join it", async () => {
    const early = await launch({ user: person("learner-1"), roles: [ROLE.learner], context: course, resourceLink: { id: "link-0" } });
    assert.equal(early.status, 409);
    assert.match(shown(early), new RegExp(REFUSALS.lti_course_not_ready.message.slice(0, 60)));

    const instructor = await launch({
      user: person("teacher-1"),
      roles: [ROLE.instructor],
      context: course,
      resourceLink: { id: "link-1" },
      custom: { lesson: "first-container" },
    });
    assert.equal(instructor.status, 200);
    assert.equal(new URL(instructor.url).pathname, "/embed/lessons/first-container", "the embedded layout: the LMS shows it in its frame");
    const teacher = await learnerOf(`lti:${canvasId}`, "teacher-1");
    assert.equal(teacher.role, "instructor");
    assert.equal(teacher.email, "teacher-1@school.example");
    const context = await db.ltiContext.findUniqueOrThrow({
      where: { platformId_contextId: { platformId: canvasId, contextId: course.id } },
      include: { cohort: true },
    });
    assert.equal(context.cohort.instructorId, teacher.id);
    assert.equal(context.cohort.name, "Containers 101");

    await launch({ user: person("ta-1"), roles: [ROLE.instructor, ROLE.teachingAssistant], context: course, resourceLink: { id: "link-1" } });
    const learnerBrowser = new LtiBrowser();
    const learner = await launch({ user: person("learner-1"), roles: [ROLE.learner], context: course, resourceLink: { id: "link-1" } }, learnerBrowser);
    assert.equal(new URL(learner.url).pathname, "/embed/lessons/first-container", "the link's lesson, known from its first launch");
    const inWindow = await launch({
      user: person("learner-1"),
      roles: [ROLE.learner],
      context: course,
      resourceLink: { id: "link-1" },
      presentation: "window",
    });
    assert.equal(new URL(inWindow.url).pathname, "/lessons/first-container", "a launch the LMS opens in a window of its own gets the full page");

    const members = await db.cohortMember.findMany({ where: { cohortId: context.cohortId }, include: { learner: true } });
    assert.deepEqual(members.map((m) => [m.learner.email, m.role]).sort(), [
      ["learner-1@school.example", "student"],
      ["ta-1@school.example", "grader"],
    ]);
    assert.equal((await learnerOf(`lti:${canvasId}`, "ta-1")).role, "grader");
    assert.equal((await learnerOf(`lti:${canvasId}`, "learner-1")).role, "student");
    const assignment = await db.ltiAssignment.findUniqueOrThrow({
      where: { platformId_contextId_lessonSlug: { platformId: canvasId, contextId: course.id, lessonSlug: "first-container" } },
    });
    assert.equal(assignment.resourceLinkId, "link-1");

    // The learner's browser is signed in: their cohort's page opens for them.
    const cohortPage = await learnerBrowser.open(`${site}/cohorts/${context.cohortId}`);
    assert.equal(cohortPage.status, 200);
    assert.match(shown(cohortPage), /Containers 101/);
  });

  test("a link to no lesson (the course navigation) lands on the course's embedded page in the LMS's frame, for its members only; in a window on the full pages", async () => {
    const { cohortId } = await db.ltiContext.findUniqueOrThrow({ where: { platformId_contextId: { platformId: canvasId, contextId: course.id } } });
    const navigation = { context: course, resourceLink: { id: "course-navigation" } };
    const student = await launch({ user: person("learner-1"), roles: [ROLE.learner], ...navigation });
    assert.equal(student.status, 200);
    assert.equal(new URL(student.url).pathname, `/embed/courses/${cohortId}`);
    assert.match(shown(student), /Containers 101/);
    assert.match(student.body, /href="\/embed\/lessons\/first-container"/);
    assert.match(shown(student), /0 of \d+ steps done/);
    assert.doesNotMatch(shown(student), /Open the class in Dockyard/);
    const instructor = await launch({ user: person("teacher-1"), roles: [ROLE.instructor], ...navigation });
    assert.equal(new URL(instructor.url).pathname, `/embed/courses/${cohortId}`);
    assert.match(instructor.body, new RegExp(`<a href="/cohorts/${cohortId}" target="_blank" rel="noopener"[^>]*>Open the class in Dockyard ↗</a>`));

    const inWindow = { ...navigation, presentation: "window" as const };
    assert.equal(new URL((await launch({ user: person("learner-1"), roles: [ROLE.learner], ...inWindow })).url).pathname, "/");
    assert.equal(new URL((await launch({ user: person("teacher-1"), roles: [ROLE.instructor], ...inWindow })).url).pathname, `/cohorts/${cohortId}`);

    // Someone signed in who is not in the course, and a visitor: told so in the frame, shown nothing of the course.
    const outsider = new LtiBrowser();
    assert.equal(new URL((await launch({ user: person("outsider-1"), roles: [ROLE.learner], resourceLink: { id: "elsewhere" } }, outsider)).url).pathname, "/");
    for (const [browser, message] of [
      [outsider, /This cohort's page is for its members/],
      [new LtiBrowser(), /Sign in to see your cohorts\./],
    ] as const) {
      const refused = await browser.open(`${site}/embed/courses/${cohortId}`);
      assert.equal(refused.status, 200);
      assert.equal(new URL(refused.url).pathname, `/embed/courses/${cohortId}`);
      assert.match(shown(refused), message);
      assert.match(refused.body, new RegExp(`<a href="/cohorts/${cohortId}" target="_blank" rel="noopener"[^>]*>Open in Dockyard ↗</a>`));
      assert.doesNotMatch(shown(refused), /Containers 101|first-container/);
    }
  });

  test("an admin who launches as a learner stays an admin", async () => {
    await launch({ user: person("admin-in-lms", ADMIN.email), roles: [ROLE.learner], context: course, resourceLink: { id: "link-1" } });
    const admin = await db.learner.findUniqueOrThrow({ where: { email: ADMIN.email } });
    assert.equal(admin.role, "admin");
    assert.equal((await learnerOf(`lti:${canvasId}`, "admin-in-lms")).id, admin.id, "linked by the email the LMS gave");
  });

  test("Deep Linking: the instructor picks two lessons, the platform verifies the signed response and records them, and they become assignments", async () => {
    const browser = new LtiBrowser();
    const picker = await launch({ messageType: "LtiDeepLinkingRequest", user: person("teacher-1"), roles: [ROLE.instructor], context: course }, browser);
    assert.equal(picker.status, 200);
    assert.equal(new URL(picker.url).pathname, "/lti/deep-link");
    assert.match(shown(picker), /Add Dockyard lessons/);
    assert.match(picker.body, /<input type="checkbox"[^>]* name="lesson" value="volumes"/);
    const ticket = picker.body.match(/name="ticket" value="([^"]+)"/)![1]!;

    const form = new URLSearchParams({ ticket: unescapeHtml(ticket) });
    form.append("lesson", "volumes");
    form.append("lesson", "dockerfile");
    const done = await browser.open(`${site}/lti/deep-link/respond`, { form, origin: site });
    assert.equal(done.status, 200, done.body);
    assert.match(done.body, /Added 2 item\(s\)/);
    const policy = browser.lastFormPage!.headers.get("content-security-policy")!;
    assert.match(policy, new RegExp(`form-action ${lms.url}(;|$)`), `the response page may post to the LMS only: ${policy}`);
    assert.match(policy, /script-src 'nonce-[^']+'(;|$)/);

    const { deepLinks, errors, launches } = await lms.records();
    assert.deepEqual(errors, []);
    assert.equal(deepLinks.length, 1);
    const items = deepLinks[0]!.items as { type: string; url: string; custom: { lesson: string }; lineItem: { scoreMaximum: number; resourceId: string } }[];
    assert.deepEqual(
      items.map((i) => [i.type, i.url, i.custom.lesson, i.lineItem.resourceId]),
      [
        ["ltiResourceLink", `${site}/lti/launch`, "volumes", "volumes"],
        ["ltiResourceLink", `${site}/lti/launch`, "dockerfile", "dockerfile"],
      ],
    );
    assert.ok(items.every((i) => i.lineItem.scoreMaximum >= 1));
    assert.deepEqual(deepLinks[0]!.data, { launch: launches.at(-1)!.launch }, "the platform's data came back as it was sent");

    const assigned = await db.ltiAssignment.findMany({ where: { platformId: canvasId, contextId: course.id }, orderBy: { lessonSlug: "asc" } });
    assert.deepEqual(
      assigned.map((a) => a.lessonSlug),
      ["dockerfile", "first-container", "volumes"],
    );
    const cohortId = (await db.ltiContext.findUniqueOrThrow({ where: { platformId_contextId: { platformId: canvasId, contextId: course.id } } })).cohortId;
    const lessons = await db.cohortLesson.findMany({ where: { cohortId }, orderBy: { lessonSlug: "asc" } });
    assert.deepEqual(
      lessons.map((l) => l.lessonSlug),
      ["dockerfile", "first-container", "volumes"],
    );

    const learner = await launch({ messageType: "LtiDeepLinkingRequest", user: person("learner-1"), roles: [ROLE.learner], context: course });
    assert.equal(learner.status, 403);
    assert.match(shown(learner), /Only the course's instructors add Dockyard lessons/);
  });

  test("Dynamic Registration adds a second platform; its course with the same context id is a cohort of its own", async () => {
    const moodle = await lms.createPlatform("moodle");
    const start = `${site}/lti/register?openid_configuration=${encodeURIComponent(moodle.openidConfiguration)}&registration_token=${moodle.registrationToken}`;
    const stranger = await new LtiBrowser().open(start);
    assert.equal(stranger.status, 401, "only an admin registers a platform");

    const { startSession } = await import("../../app/_lib/accounts");
    const { accountCookie, SESSION_COOKIE } = await import("../../app/_lib/sessionCookie");
    const admin = await db.learner.findUniqueOrThrow({ where: { email: ADMIN.email } });
    const browser = new LtiBrowser();
    browser.setCookie(new URL(site).host, SESSION_COOKIE, accountCookie(admin.id, await startSession(admin.id)).value);
    const confirm = await browser.open(start);
    assert.equal(confirm.status, 200);
    assert.match(shown(confirm), /Register Dockyard with this LMS/);
    const done = await browser.open(`${site}/lti/register/complete`, {
      form: { openid_configuration: moodle.openidConfiguration, registration_token: moodle.registrationToken },
      origin: site,
    });
    assert.equal(done.status, 200, done.body);
    assert.match(shown(done), /Dockyard is registered/);
    assert.match(done.body, /org\.imsglobal\.lti\.close/);
    assert.match(done.headers.get("content-security-policy")!, /frame-ancestors 'none'(;|$)/, "the admin's registration page is framed by no one");
    const metadata = await browser.open(`${site}/lti/register/complete`, {
      form: { openid_configuration: "http://169.254.169.254/latest/.well-known/openid-configuration" },
      origin: site,
    });
    assert.equal(metadata.status, 502);
    assert.match(shown(metadata), /Dockyard does not send requests to its OpenID configuration at http:\/\/169\.254\.169\.254\/.*never sends to/);
    assert.match(done.headers.get("content-security-policy")!, /script-src 'nonce-[^']+'(;|$)/, "its closing script may run");

    const registered = (await lms.records()).registrations.find((r) => r.platform === "moodle")!;
    assert.equal(registered.request.initiate_login_uri, `${site}/lti/login`);
    assert.equal(registered.request.jwks_uri, `${site}/lti/jwks`);
    const stored = await db.ltiPlatform.findUniqueOrThrow({ where: { issuer_clientId: { issuer: moodle.issuer, clientId: moodle.clientId } } });
    assert.deepEqual(JSON.parse(stored.deploymentIds), [moodle.deploymentId]);
    assert.equal(stored.jwksUrl, moodle.jwksUrl);

    const page = await launch({
      platform: "moodle",
      user: person("teacher-9"),
      roles: [ROLE.instructor],
      context: course,
      resourceLink: { id: "m-1" },
      custom: { lesson: "volumes" },
    });
    assert.equal(new URL(page.url).pathname, "/embed/lessons/volumes");
    const contexts = await db.ltiContext.findMany({ where: { contextId: course.id } });
    assert.equal(contexts.length, 2);
    assert.notEqual(contexts[0]!.cohortId, contexts[1]!.cohortId);
  });

  describe("refused launches, in plain words", () => {
    const refused = async (setup: Partial<LaunchSetup>, status: number, message: RegExp) => {
      const page = await launch({ user: person("learner-1"), roles: [ROLE.learner], context: course, resourceLink: { id: "link-1" }, ...setup });
      assert.equal(page.status, status, page.body);
      assert.match(shown(page), message);
      assert.equal(new URL(page.url).pathname, "/lti/launch");
      // Shown in the LMS's frame: the LMS's origin may frame it (a registered platform's), no other.
      assert.match(page.headers.get("content-security-policy")!, new RegExp(`frame-ancestors ${lms.url}(;|$)`));
      assert.equal(page.headers.get("x-frame-options"), null);
    };
    const said = (code: keyof typeof REFUSALS) => new RegExp(REFUSALS[code].message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

    test("a launch signed with a key the platform does not publish", () => refused({ fault: "bad-signature" }, 401, said("lti_bad_signature")));
    test("a launch carrying a nonce already used", () => refused({ fault: "replay-nonce" }, 401, said("lti_replayed")));
    test("a launch with a deployment id that is not registered", () =>
      refused({ fault: "wrong-deployment" }, 403, /deployment “unknown-deployment”, which is not registered with Dockyard/));
    test("an expired launch", () => refused({ fault: "expired" }, 401, said("lti_expired")));

    test("a captured launch posted again, with its cookie", async () => {
      const browser = new LtiBrowser();
      const first = await launch({ user: person("learner-1"), roles: [ROLE.learner], context: course, resourceLink: { id: "link-1" } }, browser);
      assert.equal(first.status, 200);
      const again = await browser.replay();
      assert.equal(again.status, 401);
      assert.match(shown(again), said("lti_replayed"));
    });

    test("a launch posted from another browser than the one whose login asked for it", async () => {
      const victim = new LtiBrowser();
      await launch({ user: person("learner-1"), roles: [ROLE.learner], context: course, resourceLink: { id: "link-1" } }, victim);
      const captured = victim.lastForm!;
      const page = await new LtiBrowser().open(captured.action, { form: captured.fields, origin: lms.url });
      assert.equal(page.status, 401);
      assert.match(shown(page), said("lti_state"));
    });

    test("a platform whose key set is at a cloud metadata address: Dockyard never fetches it", async () => {
      const rogue = await lms.createPlatform("rogue", toolUrls(site));
      const { addPlatform } = await import("../../app/_lib/lti/platforms");
      const { issuer, clientId, authLoginUrl, authTokenUrl, deploymentId } = rogue;
      const jwksUrl = "http://169.254.169.254/latest/meta-data/jwks";
      await addPlatform({ name: "Rogue", issuer, clientId, authLoginUrl, authTokenUrl, jwksUrl, deploymentIds: [deploymentId] });
      const page = await launch({ platform: "rogue", user: person("learner-1"), roles: [ROLE.learner], context: course, resourceLink: { id: "r-1" } });
      assert.equal(page.status, 400);
      assert.match(shown(page), /Dockyard does not fetch your LMS's keys from http:\/\/169\.254\.169\.254\/latest\/meta-data\/jwks.*never sends to/);
    });

    test("a login from an LMS that is not registered", async () => {
      const page = await new LtiBrowser().open(`${site}/lti/login?iss=${encodeURIComponent("https://lms.nowhere.example")}&login_hint=someone`);
      assert.equal(page.status, 400);
      assert.match(shown(page), /The LMS https:\/\/lms\.nowhere\.example is not registered with Dockyard/);
    });
  });

  test("the tool's JWKS and configuration JSON", async () => {
    const jwks = (await (await fetch(`${site}/lti/jwks`)).json()) as { keys: { kid: string; kty: string; d?: string }[] };
    assert.ok(jwks.keys.length >= 1);
    assert.ok(
      jwks.keys.every((k) => k.kty === "RSA" && k.kid && k.d === undefined),
      "public halves only",
    );
    const config = (await (await fetch(`${site}/lti/config`)).json()) as Record<string, unknown>;
    assert.equal(config.oidc_initiation_url, `${site}/lti/login`);
    assert.equal(config.target_link_uri, `${site}/lti/launch`);
    assert.equal(config.public_jwk_url, `${site}/lti/jwks`);
  });
});
