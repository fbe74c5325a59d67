import path from "node:path";
import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { CHROMIUM, chromiumArgs } from "../support/browser";
import { Front } from "../support/front";
import { expectOnlyEmbedCookie, passFirstStepInFrame, removeFramedLab } from "../support/embedded-lab";
import { LtiPlatform, ROLE, toolUrls, type LaunchSetup } from "../support/lms";
import { OtherSites } from "../support/other-site";
import { Stack } from "../support/stack";

// An LTI launch inside the LMS's iframe, as Canvas and Moodle open tools: Dockyard over HTTPS through the front
// server (Caddy, its own CA), the real platform (tests/support/lti-platform/), and the LMS's course page on an origin
// of its own, whose iframe opens the platform's launch: login initiation, Dockyard's login, the platform's
// auto-posted id_token, and Dockyard's answer, all inside the frame. Chromium keeps only partitioned cookies in a
// third-party frame: the login's state cookie and the session are partitioned under the course page's site.
// As with Canvas, the course page is not on the issuer's origin (the platform's, http://127.0.0.1:9401), so an admin
// lists the course page's origin in the embedding setting. A site nobody allowed cannot show the launch.

const LESSON = "first-container";
const HOST = "dockyard.test";
const LMS = "lms.test";
const ELSEWHERE = "elsewhere.test";
const ADMIN = { email: "admin@localhost", password: "the admin's own password" };
const stack = new Stack({ name: "e2e-lti-frame", sitePort: 3760, runnerPort: 3761, env: { DOCKYARD_OUTBOUND_ALLOW_PRIVATE: "1" } }); // the LMS is on loopback
const front = new Front(stack, { host: HOST, previewDomain: "preview.dockyard-preview.test", httpPort: 3762, httpsPort: 3763 });
Object.assign(stack.env, front.stackEnv);
const lms = new LtiPlatform();

/** The LMS's course page: the tool's link opens in an iframe of about the size Canvas gives it. */
const coursePage = (url: URL) =>
  `<!doctype html><title>Containers 101 — ${url.hostname}</title><h1>Containers 101: week 1</h1>
<iframe src="${url.searchParams.get("launch") ?? ""}" width="900" height="640" title="Dockyard" allow="clipboard-write"></iframe>`;
const sites = new OtherSites(path.join(stack.dataDir, "other-sites"), [
  { host: LMS, port: 9603, html: coursePage },
  { host: ELSEWHERE, port: 9604, html: coursePage },
]);
test.use({
  launchOptions: {
    executablePath: CHROMIUM,
    args: chromiumArgs([HOST, LMS, ELSEWHERE]),
    env: { ...(process.env as Record<string, string>), HOME: front.browserHome },
  },
});

type Db = typeof import("../../app/_lib/db").db;
let db: Db;
let platformId: string;
const course = { id: "course-f", title: "Containers 101" };
const learner = { id: "learner-f", email: "learner-f@school.example", name: "Learner F" };
const teacher = { id: "teacher-f", email: "teacher-f@school.example", name: "Teacher F" };
/** Canvas's course-navigation placement: a link to Dockyard in the course's menu, which names no lesson. */
const courseNavigation = { resourceLink: { id: "course-navigation-f", title: "Dockyard" } };

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  await stack.reset();
  stack.createAdmin(ADMIN.email, ADMIN.password);
  await stack.start();
  await front.start();
  await Promise.all([lms.start(), sites.start(front.browserHome)]);
  process.env.DOCKYARD_DATA_DIR = stack.dataDir; // this process registers the platform in the site's database
  ({ db } = await import("../../app/_lib/db"));
  const { addPlatform } = await import("../../app/_lib/lti/platforms");
  // The platform verifies Deep Linking responses with Dockyard's key set; its Python resolves no .test name, so it
  // reads the keys from the site directly. Browsers use the public addresses.
  const canvas = await lms.createPlatform("canvas", { ...toolUrls(front.publicUrl), jwksUrl: `${stack.siteUrl}/lti/jwks` });
  platformId = await addPlatform({
    name: "Canvas (test)",
    issuer: canvas.issuer,
    clientId: canvas.clientId,
    authLoginUrl: canvas.authLoginUrl,
    authTokenUrl: canvas.authTokenUrl,
    jwksUrl: canvas.jwksUrl,
    deploymentIds: [canvas.deploymentId],
  });
});
test.afterAll(async () => {
  await Promise.all([sites.stop(), lms.stop()]);
  await front.stop();
  await stack.stop();
});

/** Opens the course page of `site`, whose iframe starts a launch set up now. */
async function launchInFrame(page: Page, setup: Omit<LaunchSetup, "platform">, site = LMS) {
  const { url } = await lms.setUpLaunch({ platform: "canvas", context: course, ...setup });
  await page.goto(`${sites.origin(site)}/?launch=${encodeURIComponent(url)}`);
  await expect(page.getByRole("heading", { name: "Containers 101: week 1" })).toBeVisible();
  return page.frameLocator("iframe");
}

/** Launches the course navigation (a link to no lesson) in the LMS's frame as `user`, and sees the course's embedded page land. */
async function openCourseInFrame(page: Page, user: typeof teacher, roles: string[]) {
  const { cohortId } = await db.ltiContext.findUniqueOrThrow({ where: { platformId_contextId: { platformId, contextId: course.id } } });
  const frame = await launchInFrame(page, { user, roles, ...courseNavigation });
  await expect(frame.getByTestId("embedded-course")).toBeVisible();
  await expect(frame.getByRole("heading", { name: course.title })).toBeVisible();
  expect(page.frames()[1]!.url()).toBe(`${front.publicUrl}/embed/courses/${cohortId}`);
  return { frame, cohortId };
}

const frameAncestorsOf = async (pathname: string, init: { method?: string } = {}) => {
  const { headers } = await front.request(pathname, init);
  return { frameAncestors: String(headers["content-security-policy"]).match(/frame-ancestors ([^;]+)/)?.[1], xFrameOptions: headers["x-frame-options"] };
};

test("an admin lists the LMS's course pages' origin; the pages of the LTI exchange may be framed by it and the LMS, no other page by anyone", async ({
  page,
}) => {
  await page.goto(`${front.publicUrl}/signin`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(ADMIN.email);
  await page.goto(`${front.publicUrl}/admin`);
  await expect(page.getByTestId("embed-platform-origins")).toHaveText(`Also allowed, as registered LMSes: ${lms.url}.`);
  const form = page.getByRole("form", { name: "Embedding" });
  await form.getByLabel("Sites that may embed lessons").fill(sites.origin(LMS));
  await form.getByRole("button", { name: "Save sites" }).click();
  await expect(form.getByTestId("form-notice")).toHaveText(`Saved: lessons may be embedded by ${sites.origin(LMS)}.`);

  const allowed = `${sites.origin(LMS)} ${lms.url}`;
  await expect.poll(async () => (await frameAncestorsOf("/lti/deep-link")).frameAncestors, { timeout: 15_000 }).toBe(allowed);
  for (const pathname of ["/lti/deep-link", "/lti/login", `/embed/lessons/${LESSON}`])
    expect(await frameAncestorsOf(pathname), pathname).toEqual({ frameAncestors: allowed, xFrameOptions: undefined });
  for (const pathname of ["/lti/launch", "/lti/deep-link/respond"])
    expect(await frameAncestorsOf(pathname, { method: "POST" }), pathname).toEqual({ frameAncestors: allowed, xFrameOptions: undefined });
  for (const pathname of ["/lti/register", "/admin/lti", `/lessons/${LESSON}`, "/"])
    expect(await frameAncestorsOf(pathname), pathname).toEqual({ frameAncestors: "'none'", xFrameOptions: "DENY" });
});

test("in the LMS's frame, the instructor picks a lesson with Deep Linking and the platform records it", async ({ page }) => {
  const frame = await launchInFrame(page, {
    messageType: "LtiDeepLinkingRequest",
    user: teacher,
    roles: [ROLE.instructor],
  });
  await expect(frame.getByRole("heading", { name: "Add Dockyard lessons" })).toBeVisible();
  await frame.getByRole("checkbox", { name: /Your first container/ }).check();
  await frame.getByRole("button", { name: "Add to the course" }).click();
  await expect(frame.getByText("Added 1 item(s).")).toBeVisible();
  expect(page.url().startsWith(sites.origin(LMS))).toBe(true);

  const { deepLinks, errors } = await lms.records();
  expect(errors).toEqual([]);
  expect((deepLinks.at(-1)!.items as { custom: { lesson: string } }[]).map((i) => i.custom.lesson)).toEqual([LESSON]);
  const assigned = await db.ltiAssignment.findMany({ where: { platformId, contextId: course.id } });
  expect(assigned.map((a) => a.lessonSlug)).toEqual([LESSON]);
});

test("in the LMS's frame, the instructor's launch of a link to no lesson (the course navigation) lands on the course's page, with a way out to the class", async ({
  page,
}) => {
  const { frame, cohortId } = await openCourseInFrame(page, teacher, [ROLE.instructor]);
  await expect(frame.getByTestId("cohort-lessons").getByRole("link", { name: "Your first container" })).toHaveAttribute("href", `/embed/lessons/${LESSON}`);
  const out = frame.getByRole("link", { name: "Open the class in Dockyard ↗" });
  await expect(out).toHaveAttribute("href", `/cohorts/${cohortId}`);
  await expect(out).toHaveAttribute("target", "_blank");
  await expect(out).toHaveAttribute("rel", "noopener");
});

test("in the LMS's frame, the learner's launch lands on the embedded lesson, signed in; the terminal works and a check passes", async ({ page, context }) => {
  const loginCookies: string[] = [];
  page.on("response", async (response) => {
    if (new URL(response.url()).pathname === "/lti/login") loginCookies.push((await response.headerValue("set-cookie")) ?? "");
  });
  // The link the Deep Linking item became in the LMS.
  const frame = await launchInFrame(page, {
    user: learner,
    roles: [ROLE.learner],
    resourceLink: { id: "link-f", title: "Your first container" },
    custom: { lesson: LESSON },
  });
  await expect(frame.getByTestId("embedded-lesson")).toBeVisible();
  await expect(frame.getByRole("heading", { name: "Your first container" })).toBeVisible();
  await expect(frame.getByTestId("embed-signed-in-as")).toHaveText(learner.email);
  await expect(frame.getByTestId("progress-count").first()).toContainText("0 /");
  expect(page.frames()[1]!.url()).toBe(`${front.publicUrl}/embed/lessons/${LESSON}`);
  expect(loginCookies).toHaveLength(1);
  expect(loginCookies[0]).toMatch(/^dockyard_lti_[\w-]{22}=/);
  for (const attribute of [/;\s*Secure/i, /;\s*HttpOnly/i, /;\s*SameSite=None/i, /;\s*Partitioned/i]) expect(loginCookies[0]).toMatch(attribute);

  try {
    await passFirstStepInFrame(page, frame);

    // The step counts for the person the LMS launched; their session is a partitioned cookie under the course page's site.
    const identity = await db.identity.findUniqueOrThrow({ where: { provider_subject: { provider: `lti:${platformId}`, subject: learner.id } } });
    expect(await db.stepCompletion.count({ where: { learnerId: identity.learnerId, lessonSlug: LESSON, stepId: "hello-busybox" } })).toBe(1);
    await expectOnlyEmbedCookie(context, front, LMS);
  } finally {
    await removeFramedLab(context, front, LESSON);
  }
});

test("in the LMS's frame, the learner's launch of the course navigation lands on the course's page: their progress, and a lesson opened in the frame", async ({
  page,
  context,
}) => {
  const { frame } = await openCourseInFrame(page, learner, [ROLE.learner]);
  await expect(frame.getByTestId("embed-signed-in-as")).toHaveText(learner.email);
  // The step the learner passed in the launch before; the lesson the instructor assigned by Deep Linking.
  const lesson = frame.getByTestId("cohort-lessons").getByRole("listitem").filter({ hasText: "Your first container" });
  await expect(lesson.getByTestId("cohort-lesson-progress")).toHaveText(/^1 of \d+ steps done$/);
  await expect(lesson).toContainText("assigned");
  await expect(frame.getByRole("link", { name: "Open the class in Dockyard ↗" })).toHaveCount(0);

  try {
    await lesson.getByRole("link", { name: "Your first container" }).focus();
    await page.keyboard.press("Enter");
    await expect(frame.getByTestId("embedded-lesson")).toBeVisible();
    await expect(frame.getByRole("heading", { name: "Your first container" })).toBeVisible();
    expect(page.frames()[1]!.url()).toBe(`${front.publicUrl}/embed/lessons/${LESSON}`);
    expect(page.url().startsWith(sites.origin(LMS))).toBe(true);
    await expect(frame.getByTestId("progress-count").first()).toContainText("1 /");
    // Its lab boots (a lab's network appearing or going makes Chromium drop navigations under way): let it finish before removing it.
    await expect(frame.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
  } finally {
    await removeFramedLab(context, front, LESSON);
  }
});

test("the same launch in a page of a site nobody allowed is not shown", async ({ page, cspViolations }) => {
  await launchInFrame(page, { user: learner, roles: [ROLE.learner], resourceLink: { id: "link-f" }, custom: { lesson: LESSON } }, ELSEWHERE);
  await expect.poll(() => cspViolations.join("\n")).toMatch(/frame-ancestors/);
  const inner = page.frames().find((f) => f !== page.mainFrame())!;
  expect(inner.url()).not.toMatch(new RegExp(`^https://${HOST}`));
  await expect(page.frameLocator("iframe").getByTestId("embedded-lesson")).toHaveCount(0);
  cspViolations.length = 0;
});
