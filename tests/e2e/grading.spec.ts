import fs from "node:fs";
import { test, expect, type Browser, type Page } from "@playwright/test";
import WebSocket from "ws";
import { projectDatabase, Stack } from "../support/stack";
import type { Seeded } from "../support/seed-people";

// The grading side on the real stack: a student works in a real lab; a grader of their cohort sees it in the
// matrix and the drill-down with its evidence, replays the terminal at each check, exports CSV and JSON and
// watches the terminal live; everyone else is refused each of those, on pages, API routes and the socket.

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
    await student.goto(`${stack.siteUrl}/lessons/${LESSON}`);
    await expect(student.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
    await student.getByTestId("terminal").click();
    await student.keyboard.type("docker run busybox echo hello");
    await student.keyboard.press("Enter");
    await expect(terminalText(student)).toContainText("hello", { timeout: 30_000 });
    const hello = student.getByTestId("step-hello-busybox");
    await hello.getByRole("button", { name: "Check my work" }).click();
    await expect(hello.getByTestId("check-message")).toContainText("does not contain “hello world”");
    await hello.getByTestId("run-block").click();
    await expect(hello.getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });
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
    await expect(step.getByTestId("step-facts")).toHaveText(/^2 attempts · 0 hints · no solution · \d+ (s|min)[^·]* spent · 2 commands$/);
    await step.getByText("Attempts", { exact: true }).click();
    const attempts = step.getByTestId("attempt");
    await expect(attempts).toHaveCount(2);
    await expect(attempts.nth(0)).toHaveAttribute("data-passed", "false");
    await expect(attempts.nth(0)).toContainText("does not contain “hello world”");
    await expect(attempts.nth(1)).toHaveAttribute("data-passed", "true");
    await expect(attempts.nth(1)).toContainText("✓");
    await step.getByText("Commands", { exact: true }).click();
    await expect(step.getByTestId("commands").getByRole("listitem")).toHaveText([
      /\$ docker run busybox echo hello$/,
      /\$ docker run busybox echo hello world$/,
    ]);
    await expect(grader.getByTestId(`lesson-${LESSON}`).getByTestId("step-figlet").getByTestId("step-facts")).toContainText("1 hint");

    // Each attempt opens the recording at its check.
    await attempts.nth(0).getByRole("link", { name: "Replay at this check" }).click();
    const player = grader.getByTestId("recording-player");
    await expect(player).toHaveAttribute("data-state", "ready");
    await expect(grader.getByTestId("start-marker")).toHaveText("Opened at “check hello-busybox failed”.");
    const screen = player.locator(".ap-term");
    await expect(screen).toContainText("docker run busybox echo hello");
    await expect(screen).not.toContainText("hello world");
    await grader.goBack();
    await step.getByText("Attempts", { exact: true }).click();
    await attempts.nth(1).getByRole("link", { name: "Replay at this check" }).click();
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
      attempts: "2",
      failed_attempts: "1",
      hints_used: "0",
      solution_shown: "false",
      commands: "docker run busybox echo hello\ndocker run busybox echo hello world",
    });
    expect(Date.parse(row.completed_at!)).toBeGreaterThan(Date.parse(row.started_at!));
    expect(Number(row.seconds_spent)).toBeGreaterThanOrEqual(0);
    expect(kimRows.find((r) => r.step === "figlet")).toMatchObject({ status: "not started", hints_used: "1", attempts: "0" });
    expect(samRows.find((r) => r.step === "hello-busybox")).toMatchObject({ status: "not started", attempts: "0", commands: "", completed_at: "" });

    expect(json.format).toBe("dockyard-grades/1");
    const kimJson = json.students.find((s: { email: string }) => s.email === "kim@example.com");
    const hello = kimJson.lessons.find((l: { slug: string }) => l.slug === LESSON).steps.find((s: { stepId: string }) => s.stepId === "hello-busybox");
    expect(hello.attempts.map((a: { passed: boolean }) => a.passed)).toEqual([false, true]);
    expect(hello.attempts[1].result.criteria.length).toBeGreaterThan(0);
    expect(hello.attempts[1].result.criteria.every((c: { passed: boolean }) => c.passed)).toBe(true);
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

    // While the grader, with the cohort's own rights, is let in.
    expect((await grader.request.get(`${stack.siteUrl}${kimLab}/recording`)).status()).toBe(200);
  });
});
