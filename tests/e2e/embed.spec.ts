import fs from "node:fs";
import path from "node:path";
import { chromium, type FrameLocator, type Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { CHROMIUM, chromiumArgs } from "../support/browser";
import { Front } from "../support/front";
import { expectOnlyEmbedCookie, passFirstStepInFrame, removeFramedLab } from "../support/embedded-lab";
import { OtherSites } from "../support/other-site";
import { Stack } from "../support/stack";

// One lesson embedded in another site's page, everything over HTTPS as a class has it: Dockyard through the front
// server (Caddy, its own CA), a school's course page and a site nobody allowed served by the test on origins of
// their own. An admin allows the school's origin; its page frames the lesson in the compact layout, where the
// learner's lab runs and a check passes with a partitioned cookie (Chromium here blocks the unpartitioned kind in
// frames). A site not allowed cannot frame it, nor can the allowed one frame any other page. Where the browser keeps
// every cookie of Dockyard's out of the frame, the lesson says so and opens in a tab of its own.

const LESSON = "first-container";
const HOST = "dockyard.test";
const SCHOOL = "school.test";
const ELSEWHERE = "elsewhere.test";
const ADMIN = { email: "admin@localhost", password: "the admin's own password" };
const stack = new Stack({ name: "e2e-embed", sitePort: 3600, runnerPort: 3601 });
const front = new Front(stack, { host: HOST, previewDomain: "preview.dockyard-preview.test", httpPort: 3602, httpsPort: 3603 });
Object.assign(stack.env, front.stackEnv);

/** A page of another site framing the Dockyard page its `?frame=` names, at about the size an LMS gives a tool. */
const framingPage = (url: URL) =>
  `<!doctype html><title>Week 1 — ${url.hostname}</title><h1>Week 1: containers</h1>
<iframe src="https://${HOST}:3603${url.searchParams.get("frame") ?? "/"}" width="820" height="620" title="Dockyard lesson"></iframe>`;
const sites = new OtherSites(path.join(stack.dataDir, "other-sites"), [
  { host: SCHOOL, port: 9601, html: framingPage },
  { host: ELSEWHERE, port: 9602, html: framingPage },
]);
const launchOptions = {
  executablePath: CHROMIUM,
  args: chromiumArgs([HOST, SCHOOL, ELSEWHERE]),
  env: { ...(process.env as Record<string, string>), HOME: front.browserHome },
};
test.use({ launchOptions });

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  await stack.reset();
  stack.createAdmin(ADMIN.email, ADMIN.password);
  await stack.start();
  await front.start();
  await sites.start(front.browserHome);
});
test.afterAll(async () => {
  await sites.stop();
  await front.stop();
  await stack.stop();
});

const framed = (page: Page, frame: string, site = SCHOOL) => page.goto(`${sites.origin(site)}/?frame=${encodeURIComponent(frame)}`);
const lessonFrame = (page: Page): FrameLocator => page.frameLocator("iframe");

/** The frame-ancestors an answer's policy gives, and its X-Frame-Options. */
async function framingHeaders(pathname: string) {
  const { headers } = await front.request(pathname);
  const policy = String(headers["content-security-policy"]);
  return { frameAncestors: policy.match(/frame-ancestors ([^;]+)/)?.[1], xFrameOptions: headers["x-frame-options"] };
}

test("an admin allows a site to embed lessons: exact https origins only, a wildcard refused in plain words", async ({ page }) => {
  expect(await framingHeaders(`/embed/lessons/${LESSON}`)).toEqual({ frameAncestors: "'none'", xFrameOptions: undefined });

  await page.goto(`${front.publicUrl}/signin`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(ADMIN.email);
  await page.goto(`${front.publicUrl}/admin`);
  const form = page.getByRole("form", { name: "Embedding" });
  const field = form.getByLabel("Sites that may embed lessons");
  await field.fill(`https://*.${SCHOOL}`);
  await form.getByRole("button", { name: "Save sites" }).click();
  await expect(form.getByRole("alert")).toHaveText(`“https://*.${SCHOOL}”: wildcards are not accepted; list each site that may embed lessons.`);
  await field.fill(`${sites.origin(SCHOOL)}/course/1`);
  await form.getByRole("button", { name: "Save sites" }).click();
  await expect(form.getByRole("alert")).toContainText(`is not an origin: give the scheme, host and port only, as in ${sites.origin(SCHOOL)}.`);
  await field.fill(sites.origin(SCHOOL));
  await form.getByRole("button", { name: "Save sites" }).click();
  await expect(form.getByTestId("form-notice")).toHaveText(`Saved: lessons may be embedded by ${sites.origin(SCHOOL)}.`);
  await expect(page.getByTestId("embed-platform-origins")).toHaveText("Registered LMSes (LTI platforms) are allowed too; none is registered.");

  // Within a few seconds every embedded page names it; no other page may be framed by anyone.
  await expect.poll(async () => (await framingHeaders(`/embed/lessons/${LESSON}`)).frameAncestors, { timeout: 15_000 }).toBe(sites.origin(SCHOOL));
  expect((await framingHeaders(`/embed/lessons/${LESSON}`)).xFrameOptions).toBeUndefined();
  for (const pathname of ["/", `/lessons/${LESSON}`, "/admin", "/embedded", `/api/embed/session`])
    expect(await framingHeaders(pathname), pathname).toEqual({ frameAncestors: "'none'", xFrameOptions: "DENY" });
});

test("the school's page embeds the lesson in the compact layout; the learner types in its terminal and the check passes in the frame", async ({
  page,
  context,
}) => {
  const sockets: string[] = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));
  await framed(page, `/embed/lessons/${LESSON}`);
  const frame = lessonFrame(page);
  await expect(frame.getByTestId("embedded-lesson")).toBeVisible();
  await expect(frame.getByRole("heading", { name: "Your first container" })).toBeVisible();
  // None of the site's navigation; a way out to Dockyard itself, in a new tab.
  await expect(frame.getByRole("link", { name: "Sign in" })).toHaveCount(0);
  await expect(frame.getByRole("link", { name: "⚓ Dockyard" })).toHaveCount(0);
  const open = frame.getByRole("link", { name: "Open in Dockyard ↗" });
  await expect(open).toHaveAttribute("href", `/lessons/${LESSON}`);
  await expect(open).toHaveAttribute("target", "_blank");

  try {
    await passFirstStepInFrame(page, frame);
    expect(sockets.some((url) => url.startsWith(`wss://${HOST}:3603/sandboxes/`))).toBe(true);

    await expectOnlyEmbedCookie(context, front, SCHOOL);
  } finally {
    await removeFramedLab(context, front, LESSON);
  }
});

test("a site nobody allowed cannot frame the lesson; the allowed site cannot frame any other page", async ({ page, cspViolations }) => {
  const refusals: [site: string, pathname: string][] = [
    [ELSEWHERE, `/embed/lessons/${LESSON}`],
    [SCHOOL, `/lessons/${LESSON}`],
    [SCHOOL, "/admin"],
    [SCHOOL, "/"],
  ];
  for (const [site, pathname] of refusals) {
    cspViolations.length = 0;
    await framed(page, pathname, site);
    await expect(page.getByRole("heading", { name: "Week 1: containers" })).toBeVisible();
    await expect.poll(() => cspViolations.join("\n"), { message: `${site} framing ${pathname}` }).toMatch(/frame-ancestors/);
    const inner = page.frames().find((f) => f !== page.mainFrame())!;
    expect(inner.url(), `${site} framing ${pathname}`).not.toMatch(new RegExp(`^https://${HOST}`));
    await expect(lessonFrame(page).getByTestId("embedded-lesson")).toHaveCount(0);
  }
  cspViolations.length = 0;
});

test("where the browser keeps Dockyard's cookies out of the frame, the lesson says so, starts no lab, and opens in a new tab", async () => {
  // Chromium keeps partitioned cookies even when it blocks third-party ones; what a browser that allows neither does
  // (Safari without storage access, a learner's own settings) is what a profile that blocks Dockyard's cookies on the
  // school's pages gets.
  const profile = path.join(stack.dataDir, "profile-cookies-blocked");
  fs.rmSync(profile, { recursive: true, force: true });
  fs.mkdirSync(path.join(profile, "Default"), { recursive: true });
  const blocked = { [`${front.publicUrl},${sites.origin(SCHOOL)}`]: { setting: 2 } };
  fs.writeFileSync(path.join(profile, "Default", "Preferences"), JSON.stringify({ profile: { content_settings: { exceptions: { cookies: blocked } } } }));
  const context = await chromium.launchPersistentContext(profile, launchOptions);
  try {
    const page = await context.newPage();
    await framed(page, `/embed/lessons/${LESSON}`);
    const frame = lessonFrame(page);
    await expect(frame.getByRole("heading", { name: "Your first container" })).toBeVisible();
    const refused = frame.getByTestId("embed-cookies-refused");
    await expect(refused).toContainText("Your lab cannot run inside this page");
    await expect(refused).toContainText("Your browser does not let Dockyard keep its cookies inside another site's page");
    await expect(frame.getByTestId("lab-status")).toHaveCount(0);

    const [tab] = await Promise.all([context.waitForEvent("page"), refused.getByRole("link", { name: "Open the lesson in a new tab" }).click()]);
    await tab.waitForLoadState();
    expect(tab.url()).toBe(`${front.publicUrl}/lessons/${LESSON}`);
    await expect(tab.getByRole("heading", { name: "Your first container" })).toBeVisible();
    await expect(tab.getByRole("link", { name: "⚓ Dockyard" })).toBeVisible();
    // On Dockyard's own page its cookie is kept, and the lab runs.
    await expect(tab.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
    expect((await context.cookies(front.publicUrl)).map((c) => c.name)).toEqual(["dockyard_session"]);
  } finally {
    await removeFramedLab(context, front, LESSON);
    await context.close();
  }
});
