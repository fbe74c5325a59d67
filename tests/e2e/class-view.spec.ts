import fs from "node:fs";
import type { Browser, Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { projectDatabase, Stack } from "../support/stack";
import type { Seeded } from "../support/seed-people";

// The instructor's class view on the real stack: a student opens a lesson in a real lab, moves to another step
// and fails its check three times; her instructor's view follows her there, flags her stuck and opens her
// terminal live, by click and by keyboard. Nobody else sees the class. And a class of 30 at 1440×900.

const PASSWORD = "correct horse battery";
const LESSON = "first-container";
const ADMIN = "root@example.com";

let stack: Stack;
let people: Seeded;
let cohort: string;
let kim: Page;
let ida: Page; // Spring's instructor

const terminalText = (page: Page) => page.getByTestId("terminal").locator(".xterm-rows");

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${stack.siteUrl}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(email);
  return page;
}

/** Layout facts of a page at its viewport: nothing wider than the window. */
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

test.describe("class view", { tag: "@database" }, () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({ browser }, testInfo) => {
    const database = projectDatabase(testInfo);
    stack = new Stack({ name: `e2e-class-${database}`, sitePort: 3370, runnerPort: 3371, database });
    await stack.reset();
    stack.createAdmin(ADMIN, PASSWORD);
    const account = (email: string, role: "student" | "grader" | "instructor") => ({ email, password: PASSWORD, role });
    people = stack.seedPeople({
      accounts: [
        account("ida@example.com", "instructor"),
        account("ian@example.com", "instructor"),
        account("lee@example.com", "grader"),
        account("kim@example.com", "student"),
        account("sam@example.com", "student"),
      ],
      cohorts: [
        {
          name: "Spring",
          instructor: "ida@example.com",
          lessons: [LESSON, "volumes"],
          dueAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          students: ["kim@example.com", "sam@example.com"],
          graders: ["lee@example.com"],
        },
      ],
    });
    cohort = people.cohorts.Spring!;
    await stack.start();
    kim = await signedIn(browser, "kim@example.com");
    ida = await signedIn(browser, "ida@example.com");
  });
  test.afterAll(async () => {
    await kim?.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
    await stack.stop();
  });

  test("the instructor follows a student's step change, sees her flagged stuck after three failed checks, and watches her terminal", async () => {
    await ida.goto(`${stack.siteUrl}/cohorts/${cohort}`);
    await ida.getByRole("link", { name: "Class, live" }).click();
    await expect(ida.getByRole("heading", { name: "Class: Spring" })).toBeVisible();
    await expect(ida.getByTestId("class-empty")).toHaveText(/No students have opened a lesson yet/);
    const rows = ida.getByTestId("class-row");
    await expect(rows).toHaveCount(2); // kim and sam; the grader is not a student
    await expect(rows.first()).toContainText("Has not opened a lesson of this cohort yet");

    await kim.goto(`${stack.siteUrl}/lessons/${LESSON}`);
    await expect(kim.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
    const kimRow = rows.filter({ hasText: "kim@example.com" });
    await expect(ida.getByTestId("class-empty")).toHaveCount(0);
    await expect(kimRow.getByTestId("class-step")).toHaveAttribute("data-step", "hello-busybox");
    await expect(kimRow.getByTestId("class-step")).toContainText("1/");
    await expect(kimRow.getByTestId("class-step")).toContainText("Say hello from a container");
    await expect(kimRow.getByTestId("class-lesson")).toHaveText("Your first container");
    await expect(kimRow.getByTestId("class-minutes")).toContainText(/^0 min/);
    await expect(kimRow.getByTestId("class-check")).toHaveText("No check yet");
    await expect(kimRow).toHaveAttribute("data-stuck", "no");

    // She moves to the next step and asks for its check three times, failing each.
    const step = kim.getByTestId("step-hello-world");
    await step.getByRole("heading").first().click();
    await expect(kimRow.getByTestId("class-step")).toHaveAttribute("data-step", "hello-world");
    for (let i = 0; i < 3; i++) {
      const checked = kim.waitForResponse((r) => r.url().endsWith("/steps/hello-world/check") && r.request().postDataJSON()?.origin === "asked");
      await step.getByRole("button", { name: "Check my work" }).click();
      expect((await (await checked).json()).passed).toBe(false);
    }
    await expect(kimRow).toHaveAttribute("data-stuck", "failed_checks");
    await expect(kimRow.getByTestId("stuck-flag")).toHaveText("⚠ Stuck: 3 failed checks");
    await expect(kimRow.getByTestId("class-check")).toContainText(/✗ Failed asked \d{2}:\d{2}/);
    await expect(kimRow.getByTestId("class-failed")).toHaveText("3");
    await expect(rows.first()).toContainText("kim@example.com"); // stuck students first
    await expect(ida.getByTestId("class-summary")).toContainText("1 stuck");

    // One click opens her terminal, live and read-only.
    await kimRow.getByRole("button", { name: "Watch live kim@example.com" }).click();
    const live = ida.getByTestId("class-live");
    await expect(live.getByRole("heading")).toHaveText("Live: kim@example.com · Your first container");
    await expect(ida.getByTestId("live-status")).toHaveAttribute("data-status", "live");
    await expect(kim.getByTestId("live-view-badge")).toHaveText("● Live view open");
    await kim.getByTestId("terminal").click();
    await kim.keyboard.type("echo class-$((6*7))");
    await kim.keyboard.press("Enter");
    await expect(terminalText(kim)).toContainText("class-42");
    await ida.getByTestId("live-terminal").scrollIntoViewIfNeeded(); // xterm.js renders only while in view
    await expect(ida.getByTestId("live-terminal")).toContainText("class-42");
    await ida.keyboard.press("Escape");
    await expect(live).toHaveCount(0);
    await expect(kim.getByTestId("live-view-badge")).toHaveCount(0);

    // And by keyboard: the button takes focus and Enter opens the view again.
    await kimRow.getByRole("button", { name: "Watch live kim@example.com" }).focus();
    await ida.keyboard.press("Enter");
    await expect(ida.getByTestId("live-status")).toHaveAttribute("data-status", "live");
    await expect(live.getByRole("heading")).toBeFocused();
    await live.getByRole("button", { name: "Close (Esc)" }).click();
    await expect(live).toHaveCount(0);
  });

  test("only the cohort's instructor and admins see its class", async ({ browser }) => {
    const page = `/cohorts/${cohort}/class`;
    const api = `/api/cohorts/${cohort}/class`;
    const visitor = await (await browser.newContext()).newPage();
    for (const [who, viewer, status] of [
      ["a visitor", visitor, 401],
      ["a student of the cohort", await signedIn(browser, "sam@example.com"), 403],
      ["a grader of the cohort", await signedIn(browser, "lee@example.com"), 403],
      ["another instructor", await signedIn(browser, "ian@example.com"), 403],
    ] as const) {
      expect((await viewer.request.get(`${stack.siteUrl}${page}`, { maxRedirects: 0 })).status(), `${who}: page`).toBe(status);
      const res = await viewer.request.get(`${stack.siteUrl}${api}`);
      expect(res.status(), `${who}: API`).toBe(status);
      expect((await res.json()).error, who).toBe(status === 401 ? "sign_in_required" : "forbidden");
    }
    const admin = await signedIn(browser, ADMIN);
    const res = await admin.request.get(`${stack.siteUrl}${api}`);
    expect(res.status()).toBe(200);
    expect((await res.json()).students.map((s: { email: string }) => s.email).sort()).toEqual(["kim@example.com", "sam@example.com"]);
    expect((await ida.request.get(`${stack.siteUrl}/api/cohorts/no-such-cohort/class`)).status()).toBe(404);
  });

  test("a class of 30 at 1440×900: every row visible, stuck students first and flagged, nothing wider than the window", async ({}, testInfo) => {
    await kim.goto(`${stack.siteUrl}/`); // her page's reports would write while the class is seeded
    const emails = Array.from({ length: 30 }, (_, i) => `student${String(i + 1).padStart(2, "0")}@example.com`);
    const steps = ["hello-busybox", "hello-world", "clean-up", "figlet", "fresh"];
    // Every fifth has failed three checks, every seventh has been on the step 12 min; the last two have not begun.
    const positions = emails.slice(0, 28).map((email, i) => ({
      email,
      lesson: LESSON,
      step: steps[i % steps.length]!,
      minutesAgo: i % 7 === 3 ? 12 : i % 4,
      failedChecks: i % 5 === 1 ? 3 : i % 3,
    }));
    const stuck = positions.filter((p) => p.failedChecks >= 3 || p.minutesAgo >= 10).length;
    expect(stuck).toBeGreaterThanOrEqual(8);
    const seeded = stack.seedPeople({
      accounts: emails.map((email) => ({ email, password: PASSWORD, role: "student" as const })),
      cohorts: [
        {
          name: "Class",
          instructor: "ida@example.com",
          lessons: [LESSON],
          dueAt: new Date(Date.now() + 86_400_000).toISOString(),
          students: emails,
          graders: [],
        },
      ],
      positions,
    });
    await ida.setViewportSize({ width: 1440, height: 900 });
    await ida.goto(`${stack.siteUrl}/cohorts/${seeded.cohorts.Class}/class`);
    const rows = ida.getByTestId("class-row");
    await expect(rows).toHaveCount(30);
    await expect(ida.getByTestId("stuck-flag")).toHaveCount(stuck);
    const flags = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-stuck")));
    expect(flags.slice(0, stuck).every((f) => f !== "no")).toBe(true);
    expect(flags.slice(stuck).every((f) => f === "no")).toBe(true);
    await expect(rows.filter({ hasText: "Stuck: 12 min" }).first()).toBeVisible();
    await expect(rows.filter({ hasText: "Stuck: 3 failed checks" }).first()).toBeVisible();
    await expect(rows.filter({ hasText: "Has not opened a lesson of this cohort yet" })).toHaveCount(2);

    expect(await horizontalOverflow(ida), "no horizontal scrolling").toBeLessThanOrEqual(0);
    const table = (await ida.getByTestId("class-table").boundingBox())!;
    expect(table.x + table.width).toBeLessThanOrEqual(1440);
    for (const row of await rows.all()) {
      await expect(row).toBeVisible();
      const box = (await row.boundingBox())!;
      expect(box.width, "each row spans the table, no wider").toBeLessThanOrEqual(table.width + 1);
      expect(box.height, "each row is one line").toBeLessThan(40);
    }

    const shot = testInfo.outputPath("class-view-1440x900.png");
    await ida.screenshot({ path: shot });
    await testInfo.attach("class view, 30 students, at 1440×900", { path: shot, contentType: "image/png" });
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
  });
});
