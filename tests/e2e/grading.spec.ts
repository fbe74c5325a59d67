import fs from "node:fs";
import type { Browser, Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import WebSocket from "ws";
import { projectDatabase, Stack } from "../support/stack";
import type { Seeded } from "../support/seed-people";

// The grading side on the real stack: a student works in a real lab; a grader of their cohort sees it in the
// matrix and the drill-down with its evidence (the checks the student asked for apart from the page's automatic
// ones), replays the terminal at each check, exports CSV and JSON and watches the terminal live; everyone else is
// refused each of those, on pages, API routes and the socket. And a class of 30's matrix, sorted, at 1440×900.
// Commands come with a note that they were reported from inside the sandbox and that the checks are the authority;
// the reports themselves (escape sequences on the terminal) reach neither the browser nor the recording.

const PASSWORD = "correct horse battery";
const LESSON = "first-container";
const OTHER_LESSON = "volumes";
const NOT_IN_COHORT = "networks";

let stack: Stack;
let people: Seeded;
let student: Page; // kim, who does the work
let grader: Page; // lee, who grades Spring
let cohort: string;
let kim: string;
let automatic: number; // the page's own checks of kim's first step, as the drill-down counted them

const terminalText = (page: Page) => page.getByTestId("terminal").locator(".xterm-rows");

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await page.goto(`${stack.siteUrl}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(email);
  return page;
}

/** A CSV file parsed by RFC 4180 (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (row.push(field), (field = ""));
    else if (c === "\r" && text[i + 1] === "\n") (row.push(field), rows.push(row), (row = []), (field = ""), i++);
    else field += c;
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ""])));
}

test.describe("grading", { tag: "@database" }, () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({ browser }, testInfo) => {
    const database = projectDatabase(testInfo);
    stack = new Stack({ name: `e2e-grading-${database}`, sitePort: 3210, runnerPort: 3211, database });
    await stack.reset();
    const account = (email: string, role: "student" | "grader" | "instructor") => ({ email, password: PASSWORD, role });
    const dueAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    people = stack.seedPeople({
      accounts: [
        account("ida@example.com", "instructor"),
        account("ian@example.com", "instructor"),
        account("lee@example.com", "grader"),
        account("max@example.com", "grader"),
        account("kim@example.com", "student"),
        account("sam@example.com", "student"),
      ],
      cohorts: [
        {
          name: "Spring",
          instructor: "ida@example.com",
          lessons: [LESSON, OTHER_LESSON],
          dueAt,
          students: ["kim@example.com", "sam@example.com"],
          graders: ["lee@example.com"],
        },
        { name: "Autumn", instructor: "ian@example.com", lessons: [LESSON], dueAt, students: ["sam@example.com"], graders: ["max@example.com"] },
      ],
    });
    cohort = people.cohorts.Spring!;
    kim = people.accounts["kim@example.com"]!;
    await stack.start();
    student = await signedIn(browser, "kim@example.com");
    grader = await signedIn(browser, "lee@example.com");
  });
  test.afterAll(async () => {
    await student?.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
    await stack.stop();
  });

  test("a student completes a step; the grader sees it in the matrix and the drill-down with its evidence, and replays each check", async () => {
    const terminalFrames: Buffer[] = [];
    student.on("websocket", (ws) => ws.on("framereceived", (frame) => terminalFrames.push(Buffer.from(frame.payload))));
    await student.goto(`${stack.siteUrl}/lessons/${LESSON}`);
    await expect(student.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
    await student.getByTestId("terminal").click();
    await student.keyboard.type("docker run busybox echo hello");
    await student.keyboard.press("Enter");
    await expect(terminalText(student)).toContainText("hello", { timeout: 30_000 });
    const hello = student.getByTestId("step-hello-busybox");
    // The page checks by itself a moment after the command (unasked); then the student asks once.
    await expect(hello.getByTestId("check-message")).toContainText("does not contain “hello world”");
    const asked = student.waitForResponse((r) => r.url().endsWith("/steps/hello-busybox/check") && r.request().postDataJSON()?.origin === "asked");
    await hello.getByRole("button", { name: "Check my work" }).click();
    expect(await (await asked).json()).toMatchObject({ passed: false, message: expect.stringContaining("does not contain “hello world”") });
    await hello.getByTestId("run-block").click();
    await expect(hello.getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });
    const received = Buffer.concat(terminalFrames).toString("latin1");
    expect(received).toContain("hello world");
    expect(received, "the shell's command reports never reach the browser").not.toContain("\x1b]6973;");
    await student.getByTestId("step-figlet").getByRole("button", { name: "Show a hint (1 of 2)" }).click();
    await expect(student.getByTestId("step-figlet").getByTestId("hint")).toHaveCount(1);

    await grader.goto(`${stack.siteUrl}/cohorts/${cohort}`);
    await grader.getByRole("link", { name: "Grades and evidence" }).click();
    const matrix = grader.getByTestId("grades-matrix");
    const kimRow = matrix.getByRole("row", { name: /kim@example.com/ });
    await expect(kimRow.getByTestId(`cell-${LESSON}`)).toHaveText(/^1 \/ \d+$/);
    await expect(kimRow.getByTestId(`cell-${OTHER_LESSON}`)).toHaveText(/^0 \/ \d+$/);
    await expect(matrix.getByRole("row", { name: /sam@example.com/ }).getByTestId(`cell-${LESSON}`)).toHaveText(/^0 \/ \d+$/);
    await expect(matrix.getByRole("row")).toHaveCount(3); // the header, kim and sam: graders are not graded

    await kimRow.getByRole("link", { name: "kim@example.com" }).click();
    await expect(grader.getByTestId("student-email")).toHaveText("kim@example.com");
    const step = grader.getByTestId(`lesson-${LESSON}`).getByTestId("step-hello-busybox");
    await expect(step.getByTestId("step-status")).toContainText("passed");
    const facts = /^1 check asked, (\d+) automatic · 0 hints · no solution · \d+ (s|min)[^·]* spent · 2 commands$/;
    await expect(step.getByTestId("step-facts")).toHaveText(facts);
    automatic = Number(facts.exec((await step.getByTestId("step-facts").textContent())!)![1]);
    expect(automatic, "at least one automatic check after each command").toBeGreaterThanOrEqual(2);
    await expect(grader.getByTestId("origin-legend")).toContainText("Automatic: checks the lesson page ran by itself");
    await step.getByText("Checks", { exact: true }).click();
    const attempts = step.getByTestId("attempt");
    await expect(attempts).toHaveCount(1 + automatic);
    const own = step.locator('[data-testid="attempt"][data-origin="asked"]');
    await expect(own).toHaveCount(1);
    await expect(own).toHaveAttribute("data-passed", "false");
    await expect(own).toContainText("does not contain “hello world”");
    await expect(own.getByTestId("attempt-origin")).toHaveText("Asked");
    await expect(attempts.first()).toHaveAttribute("data-origin", "automatic");
    await expect(attempts.first().getByTestId("attempt-origin")).toHaveText("Automatic");
    await expect(attempts.last()).toHaveAttribute("data-origin", "automatic");
    await expect(attempts.last()).toHaveAttribute("data-passed", "true");
    await expect(attempts.last()).toContainText("✓");
    await step.getByText("Commands", { exact: true }).click();
    await expect(step.getByTestId("commands").getByRole("listitem")).toHaveText([
      /\$ docker run busybox echo hello$/,
      /\$ docker run busybox echo hello world$/,
    ]);
    const note = step.getByTestId("commands-note");
    await expect(note).toBeVisible();
    await expect(note).toHaveText(
      /^Reported from inside the student's sandbox, by its shell\. .*could have forged a report as it was made; once reported, a command is kept outside the sandbox, where they cannot change or delete it\. The checks, which judge the sandbox's real state, are the authority on what was done\.$/,
    );
    await expect(step.getByTestId("commands")).toHaveAccessibleDescription(/^Reported from inside the student's sandbox/);
    await expect(grader.getByTestId(`lesson-${LESSON}`).getByTestId("step-figlet").getByTestId("step-facts")).toContainText("1 hint");

    // Each check opens the recording at its own marker.
    await own.getByRole("link", { name: "Replay at this check" }).click();
    const player = grader.getByTestId("recording-player");
    await expect(player).toHaveAttribute("data-state", "ready");
    await expect(grader.getByTestId("start-marker")).toHaveText("Opened at “check hello-busybox failed”.");
    const screen = player.locator(".ap-term");
    await expect(screen).toContainText("docker run busybox echo hello");
    await expect(screen).not.toContainText("hello world");
    await grader.goBack();
    await step.getByText("Checks", { exact: true }).click();
    await attempts.last().getByRole("link", { name: "Replay at this check" }).click();
    await expect(grader.getByTestId("start-marker")).toHaveText("Opened at “check hello-busybox passed”.");
    await expect(screen).toContainText("hello world");
  });

  test("the grader exports the cohort as CSV, one row per student per step, and as JSON with every attempt's result", async () => {
    await grader.goto(`${stack.siteUrl}/cohorts/${cohort}/grades`);
    const [download] = await Promise.all([grader.waitForEvent("download"), grader.getByRole("link", { name: "Export CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^spring-grades-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = parseCsv(fs.readFileSync((await download.path())!, "utf8"));
    const json = await (await grader.request.get(`${stack.siteUrl}/api/cohorts/${cohort}/grades?format=json`)).json();
    const stepCount = json.lessons.length && json.students[0].lessons.reduce((n: number, l: { steps: unknown[] }) => n + l.steps.length, 0);
    const kimRows = rows.filter((r) => r.student_email === "kim@example.com");
    const samRows = rows.filter((r) => r.student_email === "sam@example.com");
    expect(stepCount).toBeGreaterThan(5);
    expect(kimRows.length).toBe(stepCount);
    expect(samRows.length).toBe(stepCount);
    expect(rows.length).toBe(stepCount * 2);
    expect(new Set(rows.map((r) => r.lesson))).toEqual(new Set([LESSON, OTHER_LESSON]));
    const row = kimRows.find((r) => r.lesson === LESSON && r.step === "hello-busybox")!;
    expect(row).toMatchObject({
      cohort: "Spring",
      student_id: kim,
      step_title: "Say hello from a container",
      graded: "true",
      status: "passed",
      late: "false",
      attempts: "1", // the check kim asked for; the page's own are counted apart
      failed_attempts: "1",
      automatic_checks: String(automatic),
      attempts_origin_unknown: "0",
      hints_used: "0",
      solution_shown: "false",
      commands: "docker run busybox echo hello\ndocker run busybox echo hello world",
      commands_note: expect.stringMatching(
        /^Reported from inside the student's sandbox, by its shell\. .* The checks, which judge the sandbox's real state, are the authority/,
      ),
    });
    expect(Date.parse(row.completed_at!)).toBeGreaterThan(Date.parse(row.started_at!));
    expect(Number(row.seconds_spent)).toBeGreaterThanOrEqual(0);
    expect(kimRows.find((r) => r.step === "figlet")).toMatchObject({ status: "not started", hints_used: "1", attempts: "0" });
    expect(samRows.find((r) => r.step === "hello-busybox")).toMatchObject({
      status: "not started",
      attempts: "0",
      commands: "",
      commands_note: "",
      completed_at: "",
    });

    expect(json.format).toBe("dockyard-grades/1");
    expect(json.commandsNote).toBe(row.commands_note);
    const kimJson = json.students.find((s: { email: string }) => s.email === "kim@example.com");
    const hello = kimJson.lessons.find((l: { slug: string }) => l.slug === LESSON).steps.find((s: { stepId: string }) => s.stepId === "hello-busybox");
    type Attempt = { passed: boolean; origin: string; result: { criteria: { passed: boolean }[] } };
    expect(hello.attempts.filter((a: Attempt) => a.origin === "asked").map((a: Attempt) => a.passed)).toEqual([false]);
    expect(hello.attempts.filter((a: Attempt) => a.origin === "automatic").length).toBe(automatic);
    expect(hello.counts).toEqual({ asked: 1, automatic, unknown: 0, attempts: 1, failedAttempts: 1 });
    const passed = hello.attempts.at(-1) as Attempt;
    expect(passed).toMatchObject({ passed: true, origin: "automatic" });
    expect(passed.result.criteria.length).toBeGreaterThan(0);
    expect(passed.result.criteria.every((c) => c.passed)).toBe(true);
    expect(hello.commands.map((c: { command: string }) => c.command)).toEqual(["docker run busybox echo hello", "docker run busybox echo hello world"]);
    const bad = await grader.request.get(`${stack.siteUrl}/api/cohorts/${cohort}/grades?format=xlsx`);
    expect(bad.status()).toBe(400);
    expect((await bad.json()).message).toMatch(/“csv” or “json”/);
  });

  test("the grader watches the student's terminal live, read-only; the student sees a live view is open", async () => {
    await grader.goto(`${stack.siteUrl}/cohorts/${cohort}/students/${kim}#${LESSON}`);
    await grader.getByTestId(`lesson-${LESSON}`).getByRole("link", { name: "Watch live" }).click();
    const live = grader.getByTestId("live-terminal");
    await expect(grader.getByTestId("live-status")).toHaveAttribute("data-status", "live");
    await expect(live).toContainText("hello world"); // the recent output first
    await expect(student.getByTestId("live-view-badge")).toHaveText("● Live view open");
    await student.getByTestId("terminal").click();
    await student.keyboard.type("echo graded-$((6*7))");
    await student.keyboard.press("Enter");
    await live.scrollIntoViewIfNeeded(); // xterm.js renders only while in view
    await expect(live).toContainText("graded-42");
    await live.click();
    await grader.keyboard.type("echo typed-by-the-grader");
    await grader.keyboard.press("Enter");
    await grader.goto(`${stack.siteUrl}/cohorts/${cohort}/grades`);
    await expect(student.getByTestId("live-view-badge")).toHaveCount(0);
    await expect(terminalText(student)).toContainText("graded-42");
    await expect(terminalText(student)).not.toContainText("typed-by-the-grader");
  });

  test("every page, route and socket of a student's work refuses those who do not grade their cohort", async ({ browser }) => {
    const sam = await signedIn(browser, "sam@example.com");
    const max = await signedIn(browser, "max@example.com"); // grades Autumn, where kim is not
    const ian = await signedIn(browser, "ian@example.com"); // teaches Autumn
    const visitor = await (await browser.newContext()).newPage();
    const ida = people.accounts["ida@example.com"]!;
    const lee = people.accounts["lee@example.com"]!;
    const spring = `/cohorts/${cohort}`;
    const api = `/api/cohorts/${cohort}`;
    const kimLab = `${api}/students/${kim}/labs/${LESSON}`;
    const targets = [
      ["GET", `${spring}/grades`],
      ["GET", `${spring}/students/${kim}`],
      ["GET", `${spring}/students/${kim}/replay/${LESSON}`],
      ["GET", `${api}/grades?format=csv`],
      ["GET", `${api}/grades?format=json`],
      ["GET", `${kimLab}/recording`],
      ["GET", `${kimLab}/recording?node=node1`],
      ["POST", `${kimLab}/watch?node=node1`],
    ] as const;
    for (const [who, page, status] of [
      ["a visitor", visitor, 401],
      ["another student of the cohort", sam, 403],
      ["the student themself", student, 403],
      ["a grader of another cohort", max, 403],
      ["the instructor of another cohort", ian, 403],
    ] as const)
      for (const [method, url] of targets) {
        const res = await page.request.fetch(`${stack.siteUrl}${url}`, { method, maxRedirects: 0 });
        expect(res.status(), `${who}: ${method} ${url}`).toBe(status);
        if (url.startsWith("/api")) expect((await res.json()).error, `${who}: ${method} ${url}`).toBe(status === 401 ? "sign_in_required" : "forbidden");
      }

    // Even a grader of the cohort: not for someone who is not its student, a lesson it does not have, or a cohort that is not there.
    for (const [url, status] of [
      [`${api}/students/${ida}/labs/${LESSON}/recording`, 403],
      [`${api}/students/${lee}/labs/${LESSON}/recording`, 403],
      [`${api}/students/${people.accounts["ian@example.com"]}/labs/${LESSON}/recording`, 403],
      [`${api}/students/${kim}/labs/${NOT_IN_COHORT}/recording`, 403],
      [`${spring}/students/${kim}/replay/${NOT_IN_COHORT}`, 403],
      [`${spring}/students/${lee}`, 403],
      [`/api/cohorts/no-such-cohort/grades`, 404],
      [`/cohorts/no-such-cohort/grades`, 404],
    ] as const) {
      const res = await grader.request.get(`${stack.siteUrl}${url}`, { maxRedirects: 0 });
      expect(res.status(), url).toBe(status);
    }

    // The socket: sam's own watch token does not open kim's terminal.
    const own = await sam.request.post(`${stack.siteUrl}/api/labs/${LESSON}/watch?node=node1`);
    expect(own.status()).toBe(200);
    const ownUrl = new URL((await own.json()).url);
    const kimUrl = new URL((await (await grader.request.post(`${stack.siteUrl}${kimLab}/watch?node=node1`)).json()).url);
    expect(kimUrl.pathname).not.toBe(ownUrl.pathname);
    ownUrl.pathname = kimUrl.pathname;
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      const ws = new WebSocket(ownUrl.toString());
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
      ws.on("error", () => {});
    });
    expect(closed.code).toBe(4403);
    expect(closed.reason).toMatch(/another sandbox/);

    // While the grader, with the cohort's own rights, is let in; the recording holds none of the shell's command reports.
    expect((await grader.request.get(`${stack.siteUrl}${kimLab}/recording`)).status()).toBe(200);
    const recording = await grader.request.get(`${stack.siteUrl}${kimLab}/recording?node=node1`);
    expect(recording.status()).toBe(200);
    const cast = await recording.text();
    expect(cast).toContain("hello world");
    expect(cast).not.toContain("\\u001b]6973;");
  });

  test("a class of 30 by 16 lessons reads at a glance at 1440×900: coloured by share passed, late marked, sorted by a lesson", async ({}, testInfo) => {
    // Course order, as the matrix shows it; each student has completed a run of lessons, is part-way through the next, and not begun the rest.
    // The class takes the course's first 16 lessons (the course has more since the Kubernetes lessons).
    const lessons = fs
      .readdirSync("content/lessons")
      .map((slug) => ({ slug, order: Number(/^order:\s*(\d+)/m.exec(fs.readFileSync(`content/lessons/${slug}/lesson.mdx`, "utf8"))![1]) }))
      .sort((a, b) => a.order - b.order)
      .map((l) => l.slug)
      .slice(0, 16);
    expect(lessons.length).toBe(16);
    // kim leaves the lesson: its page's automatic checks would write to SQLite while the class is seeded (SQLITE_BUSY).
    await student.goto(`${stack.siteUrl}/`);
    const emails = Array.from({ length: 30 }, (_, i) => `student${String(i + 1).padStart(2, "0")}@example.com`);
    const reached = (i: number) => (i * 7) % 17; // how many lessons student i completed
    const pastDue = lessons[2]!;
    const day = 86_400_000;
    const seeded = stack.seedPeople({
      accounts: emails.map((email) => ({ email, password: PASSWORD, role: "student" as const })),
      cohorts: [
        {
          name: "Class",
          instructor: "ida@example.com",
          lessons: lessons.map((slug) => (slug === pastDue ? { slug, dueAt: new Date(Date.now() - day).toISOString() } : slug)),
          dueAt: new Date(Date.now() + 30 * day).toISOString(),
          students: emails,
          graders: ["lee@example.com"],
        },
      ],
      work: emails.flatMap((email, i) =>
        lessons
          .slice(0, reached(i) + 1)
          .map((lesson, j) => (j < reached(i) ? { email, lesson, passedSteps: 99 } : { email, lesson, passedSteps: 1 + (i % 2), automatic: 3 })),
      ),
    });
    await grader.setViewportSize({ width: 1440, height: 900 });
    await grader.goto(`${stack.siteUrl}/cohorts/${seeded.cohorts.Class}/grades`);
    const matrix = grader.getByTestId("grades-matrix");
    const rows = matrix.getByTestId("grades-row");
    await expect(rows).toHaveCount(30);
    await expect(rows.first().getByRole("rowheader")).toHaveText(emails[0]!, { useInnerText: true });

    // Sorted by a lesson: click its header; the least passed first, ties by email.
    const sorted = lessons[4]!;
    await grader.getByTestId(`sort-${sorted}`).click();
    await expect(grader).toHaveURL(new RegExp(`\\?sort=lesson(%3A|:)${sorted}$`));
    const header = matrix.locator("th", { has: grader.getByTestId(`sort-${sorted}`) });
    await expect(header).toHaveAttribute("aria-sort", "ascending");
    const column = async () => {
      const emailsShown = await rows.getByRole("rowheader").allInnerTexts();
      const figures = await rows.getByTestId(`cell-${sorted}`).allInnerTexts();
      return emailsShown.map((email, i) => {
        const [passed, graded] = /^(\d+) \/ (\d+)/.exec(figures[i]!)!.slice(1).map(Number);
        return { email, share: passed! / graded! };
      });
    };
    const byShare = (cells: { email: string; share: number }[], sign: number) =>
      [...cells].sort((a, b) => sign * (a.share - b.share) || a.email.localeCompare(b.email)).map((c) => c.email);
    const ascending = await column();
    expect(new Set(ascending.map((c) => c.share)).size, "the column holds none, some and all passed").toBeGreaterThanOrEqual(3);
    expect(ascending.map((c) => c.email)).toEqual(byShare(ascending, 1));
    expect(ascending[0]!.share).toBe(0);
    expect(ascending.at(-1)!.share).toBe(1);

    // Cells are coloured by their band, the legend names each band with the same colour, and the figure stays in the cell.
    const full = rows.last().getByTestId(`cell-${sorted}`);
    await expect(full).toHaveAttribute("data-band", "all");
    await expect(full).toHaveText(/^(\d+) \/ \1 ✓$/);
    await expect(rows.first().getByTestId(`cell-${sorted}`)).toHaveAttribute("data-band", "none");
    const legend = grader.getByTestId("grades-legend");
    await expect(legend.locator("[data-band]")).toHaveCount(5);
    for (const band of ["none", "low", "mid", "high", "all"]) {
      const swatch = (await legend.locator(`[data-band="${band}"] > span`).getAttribute("class"))!.split(" ").filter((c) => c.startsWith("bg-"));
      const cell = matrix.locator(`td[data-band="${band}"]`).first();
      if (await cell.count()) expect(await cell.getAttribute("class"), band).toContain(swatch[0]);
    }
    await expect(matrix.locator('td[data-band="all"]').first()).toHaveClass(/bg-emerald-800/);
    await expect(legend).toContainText("late: past due and not complete");

    // Late: every cell of the lesson whose due date has passed, and none of the others.
    await expect(matrix.locator(`td[data-testid="cell-${pastDue}"][data-late="true"]`)).toHaveCount(30);
    await expect(matrix.locator(`td[data-testid="cell-${lessons[3]}"][data-late="true"]`)).toHaveCount(0);
    await expect(rows.first().getByTestId(`cell-${pastDue}`).getByRole("link")).toHaveAccessibleName(/late$/);
    await expect(rows.first().getByTestId(`cell-${lessons[0]}`).getByRole("link")).toHaveAttribute(
      "title",
      /graded steps passed · \d+ checks? asked, \d+ automatic/,
    );

    const shot = testInfo.outputPath("grades-matrix-1440x900.png");
    await grader.screenshot({ path: shot });
    await testInfo.attach("grades matrix, 30 students by 16 lessons, at 1440×900", { path: shot, contentType: "image/png" });

    // The keyboard sorts too: the same header again, descending.
    await grader.getByTestId(`sort-${sorted}`).focus();
    await grader.keyboard.press("Enter");
    await expect(header).toHaveAttribute("aria-sort", "descending");
    await expect(grader).toHaveURL(new RegExp(`\\?sort=-lesson(%3A|:)${sorted}$`));
    expect((await column()).map((c) => c.email)).toEqual(byShare(ascending, -1));

    // By student, and by overall progress.
    await grader.getByTestId("sort-student").click();
    await expect(matrix.locator("th", { has: grader.getByTestId("sort-student") })).toHaveAttribute("aria-sort", "ascending");
    await expect(rows.getByRole("rowheader")).toHaveText(emails);
    await grader.getByTestId("sort-progress").click();
    await expect(matrix.locator("th", { has: grader.getByTestId("sort-progress") })).toHaveAttribute("aria-sort", "ascending");
    const progress = (await rows.getByTestId("progress").allInnerTexts()).map((p) => parseInt(p, 10));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress[0]).toBeLessThan(progress.at(-1)!);
  });
});
