import path from "node:path";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { projectDatabase, Stack } from "../support/stack";
import { formatDay } from "../../app/_lib/dates";

// People on the real site: accounts and sessions, roles an admin gives, an instructor's cohort and its invite
// link, what students may and may not see, and the admin's switch for anonymous visitors. The lessons are the
// test fixtures; no lab is started, so the lab-runner is not needed.

const FIXTURE = path.resolve("tests/fixtures/content");
const PASSWORD = "correct horse battery";
const ADMIN = { email: "admin@localhost", password: "the admin's own password" };
const DAY = 86_400_000;
const day = (fromNow: number) => new Date(Date.now() + fromNow * DAY).toISOString().slice(0, 10);
const shown = (isoDay: string) => formatDay(new Date(`${isoDay}T12:00:00Z`));

let stack: Stack;

async function signUp(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create my account" }).click();
}

async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A browser of its own, signed in to `email` (signed up first when `password` is the default and it is new). */
async function person(browser: Browser, email: string, how: "sign up" | "sign in", password = PASSWORD): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  await page.goto(`${stack.siteUrl}/${how === "sign up" ? "signup" : "signin"}`);
  await (how === "sign up" ? signUp(page, email, password) : signIn(page, email, password));
  await expect(page.getByTestId("signed-in-as")).toContainText(email);
  return { context, page };
}

async function setRole(admin: Page, email: string, role: string) {
  await admin.goto(`${stack.siteUrl}/admin`);
  const row = admin.getByRole("row", { name: new RegExp(email) });
  await row.getByLabel(`Role of ${email}`).selectOption(role);
  await row.getByRole("button", { name: "Save role" }).click();
  await expect(row.getByTestId("form-notice")).toHaveText(`${email} is now ${/^[aeiou]/.test(role) ? "an" : "a"} ${role}.`);
  await expect(row.getByLabel(`Role of ${email}`)).toHaveValue(role);
}

test.describe("people", { tag: "@database" }, () => {
  test.describe.configure({ mode: "serial" });
  let admin: Page;
  let instructor: Page;
  let student: Page;
  let cohortUrl: string;
  let otherCohortUrl: string;
  let inviteLink: string;
  const cohortDue = day(60);
  const lessonDue = day(30);

  test.beforeAll(async ({ browser }, testInfo) => {
    const database = projectDatabase(testInfo);
    stack = new Stack({ name: `e2e-accounts-${database}`, sitePort: 3190, runnerPort: 3191, database, env: { DOCKYARD_CONTENT_DIR: FIXTURE } });
    await stack.reset();
    stack.createAdmin(ADMIN.email, ADMIN.password);
    await stack.startSite();
    ({ page: admin } = await person(browser, ADMIN.email, "sign in", ADMIN.password));
  });
  test.afterAll(async () => {
    await stack.stop();
  });

  test("a visitor signs up keeping their progress, signs out (the old cookie then opens nothing) and signs in again", async ({ page, browser }) => {
    await page.goto(stack.siteUrl);
    const answer = await page.request.post(`${stack.siteUrl}/api/lessons/authoring/steps/concept/quiz`, { data: { choices: [0, 2] } });
    expect((await answer.json()).passed).toBe(true);
    await page.reload();
    const lessonCard = page.getByRole("link", { name: /Authoring showcase/ });
    await expect(lessonCard).toContainText("1 of 2 steps done");

    await page.getByRole("link", { name: "Create an account" }).click();
    await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
    await signUp(page, "ada@example.com", "short");
    await expect(page.getByText("Choose a password of at least 10 characters.")).toBeVisible();
    await expect(page.getByLabel("Password")).toBeFocused();
    await expect(page.getByLabel("Email")).toHaveValue("ada@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create my account" }).click();
    await expect(page.getByTestId("signed-in-as")).toContainText("ada@example.com");
    await expect(lessonCard).toContainText("1 of 2 steps done"); // the anonymous learner became the account

    const someoneElse = await browser.newPage();
    await someoneElse.goto(`${stack.siteUrl}/signup`);
    await signUp(someoneElse, "ADA@example.com", "another good password");
    await expect(
      someoneElse.getByText(
        "No account was made with this email and password. If you already have an account, sign in with its password; if not, use another email.",
      ),
    ).toBeVisible();
    await expect(someoneElse.getByLabel("Email")).toBeFocused();
    await someoneElse.close();

    const cookieWhileSignedIn = (await page.context().cookies()).find((c) => c.name === "dockyard_session")!;
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
    await expect(lessonCard).toContainText("0 of 2 steps done");

    // A copy of the cookie from before signing out speaks for nobody: the server ended its session.
    const thief = await browser.newContext();
    await thief.addCookies([cookieWhileSignedIn]);
    const thiefPage = await thief.newPage();
    const refused = await thiefPage.goto(`${stack.siteUrl}/cohorts`);
    expect(refused!.status()).toBe(401);
    await expect(thiefPage.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
    await expect(thiefPage.getByTestId("signed-in-as")).toHaveCount(0);
    await thief.close();

    await page.getByRole("link", { name: "Sign in" }).click();
    await signIn(page, "ada@example.com", "correct horse batterz");
    await expect(page.getByText("Wrong email or password. Check both and try again.")).toBeVisible();
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-as")).toContainText("ada@example.com");
    await expect(lessonCard).toContainText("1 of 2 steps done");
  });

  test("the admin makes an instructor, who creates cohorts with lessons and due dates and copies the invite link", async ({ browser }) => {
    ({ page: instructor } = await person(browser, "ida@example.com", "sign up"));
    const asStudent = await instructor.goto(`${stack.siteUrl}/cohorts/new`);
    expect(asStudent!.status()).toBe(403);
    await expect(instructor.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
    await expect(instructor.getByText("You are signed in as ida@example.com (student)")).toBeVisible();

    await setRole(admin, "ida@example.com", "instructor");
    await instructor.goto(`${stack.siteUrl}/cohorts`);
    await instructor.getByRole("link", { name: "Create a cohort" }).click();

    await instructor.getByLabel("Due date", { exact: true }).fill(cohortDue);
    await instructor.getByLabel("Authoring showcase", { exact: true }).check();
    await instructor.getByRole("button", { name: "Create the cohort" }).click();
    await expect(instructor.getByText("Give the cohort a name.")).toBeVisible();
    await expect(instructor.getByLabel("Name")).toBeFocused();
    await expect(instructor.getByLabel("Authoring showcase", { exact: true })).toBeChecked(); // what was filled in stays

    await instructor.getByLabel("Name").fill("Spring cohort");
    await instructor.getByLabel("Two nodes and a registry", { exact: true }).check();
    await instructor.getByLabel("Own due date of Two nodes and a registry (optional)").fill(lessonDue);
    await instructor.getByRole("button", { name: "Create the cohort" }).click();

    await expect(instructor.getByRole("heading", { level: 1, name: "Spring cohort" })).toBeVisible();
    cohortUrl = instructor.url();
    await expect(instructor.getByTestId("cohort-due")).toHaveText(`Due ${shown(cohortDue)}`);
    const lessons = instructor.getByTestId("cohort-lessons").getByRole("listitem");
    await expect(lessons).toHaveText([`Authoring showcasedue ${shown(cohortDue)}`, `Two nodes and a registrydue ${shown(lessonDue)}`]);

    await instructor.getByRole("button", { name: "Copy" }).click();
    await expect(instructor.getByText("Copied: paste it to your students.")).toBeVisible();
    inviteLink = await instructor.evaluate(() => navigator.clipboard.readText());
    expect(inviteLink).toMatch(new RegExp(`^${stack.siteUrl}/join/[\\w-]{24}$`));
    await expect(instructor.getByRole("textbox", { name: "Invite link" })).toHaveValue(inviteLink);

    await instructor.goto(`${stack.siteUrl}/cohorts/new`);
    await instructor.getByLabel("Name").fill("Autumn cohort");
    await instructor.getByLabel("Due date", { exact: true }).fill(cohortDue);
    await instructor.getByLabel("Authoring showcase", { exact: true }).check();
    await instructor.getByRole("button", { name: "Create the cohort" }).click();
    await expect(instructor.getByRole("heading", { level: 1, name: "Autumn cohort" })).toBeVisible();
    otherCohortUrl = instructor.url();
  });

  test("a student signs up through the invite link and sees the cohort's lessons and due dates", async ({ browser }) => {
    const context = await browser.newContext();
    student = await context.newPage();
    await student.goto(inviteLink);
    await expect(student.getByRole("heading", { name: "Join Spring cohort" })).toBeVisible();
    await student.getByRole("link", { name: "Create an account to join" }).click();
    await expect(student.getByTestId("invite-note")).toHaveText(/Create an account to join Spring cohort/);
    await signUp(student, "kim@example.com");

    await expect(student.getByRole("heading", { level: 1, name: "Spring cohort" })).toBeVisible();
    await expect(student.getByTestId("cohort-due")).toHaveText(`Due ${shown(cohortDue)} · you are a student here`);
    await student.goto(stack.siteUrl);
    const cohort = student.getByTestId("my-cohort");
    await expect(cohort.getByRole("heading", { name: "Spring cohort" })).toBeVisible();
    await expect(cohort).toContainText(`due ${shown(cohortDue)}`);
    await expect(cohort.getByRole("listitem")).toHaveText([
      `Authoring showcase0 of 2 steps done · due ${shown(cohortDue)}`,
      `Two nodes and a registry0 of 1 steps done · due ${shown(lessonDue)}`,
    ]);

    await instructor.goto(`${stack.siteUrl}/cohorts`);
    await expect(instructor.getByRole("row", { name: /Spring cohort/ }).getByRole("cell")).toHaveText(["Spring cohort", shown(cohortDue), "2", "1", "0"]);
    await expect(instructor.getByRole("row", { name: /Autumn cohort/ }).getByRole("cell")).toHaveText(["Autumn cohort", shown(cohortDue), "1", "0", "0"]);

    const unknown = await student.goto(`${stack.siteUrl}/join/not-a-real-code`);
    expect(unknown!.ok()).toBe(true);
    await expect(student.getByRole("heading", { name: "This invite link is not valid" })).toBeVisible();
  });

  test("a student is refused instructor pages and another cohort's page; a grader the instructor adds sees who is in the cohort", async ({ browser }) => {
    for (const url of [`${stack.siteUrl}/cohorts/new`, `${stack.siteUrl}/admin`, otherCohortUrl]) {
      const res = await student.goto(url);
      expect(res!.status(), url).toBe(403);
      await expect(student.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
    }
    await student.goto(cohortUrl);
    await expect(student.getByRole("heading", { name: "Spring cohort" })).toBeVisible();
    await expect(student.getByRole("heading", { name: "Members" })).toHaveCount(0); // students never see who else is in it
    await expect(student.getByRole("textbox", { name: "Invite link" })).toHaveCount(0);

    const { page: grader } = await person(browser, "lee@example.com", "sign up");
    await instructor.goto(cohortUrl);
    const addGrader = instructor.getByRole("form", { name: "Add a grader" });
    for (const [email, error] of [
      ["nobody@example.com", "No account uses nobody@example.com. Ask them to create one, then add them here."],
      ["lee@example.com", "lee@example.com is a student account: an admin must make it a grader first."],
    ]) {
      await addGrader.getByLabel("Grader's email").fill(email!);
      await addGrader.getByRole("button", { name: "Add grader" }).click();
      await expect(addGrader.getByText(error!)).toBeVisible();
    }
    await setRole(admin, "lee@example.com", "grader");
    await addGrader.getByRole("button", { name: "Add grader" }).click();
    await expect(addGrader.getByTestId("form-notice")).toHaveText("lee@example.com now grades this cohort.");

    await grader.goto(cohortUrl);
    await expect(grader.getByTestId("roster").getByRole("row")).toHaveText([/Email/, /lee@example.com\s*grader/, /kim@example.com\s*student/]);
    await expect(grader.getByRole("textbox", { name: "Invite link" })).toHaveCount(0);
    expect((await grader.goto(otherCohortUrl))!.status()).toBe(403);
  });

  test("the admin turns anonymous access off: a visitor is asked to sign in, and the lab APIs answer 401", async ({ browser }) => {
    await admin.goto(`${stack.siteUrl}/admin`);
    const setting = admin.getByLabel("Anonymous visitors may try the public course");
    await expect(setting).toBeChecked();
    await setting.uncheck();
    await admin.getByRole("button", { name: "Save settings" }).click();
    await expect(admin.getByText("Saved: visitors must sign in to open lessons and use labs.")).toBeVisible();
    await expect(setting).not.toBeChecked();

    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(stack.siteUrl);
    await expect(visitor.getByTestId("sign-in-to-try")).toBeVisible();
    const lesson = await visitor.goto(`${stack.siteUrl}/lessons/authoring`);
    expect(lesson!.status()).toBe(401);
    await expect(visitor.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
    for (const [method, url] of [
      ["POST", "/api/labs/authoring"],
      ["POST", "/api/labs/authoring/steps/named/check"],
      ["GET", "/api/labs/authoring/ports"],
      ["GET", "/lessons/authoring/assets/diagram.svg"],
    ] as const) {
      const res = await visitor.request.fetch(`${stack.siteUrl}${url}`, { method });
      expect(res.status(), url).toBe(401);
      expect(await res.json(), url).toMatchObject({ error: "sign_in_required", message: expect.stringMatching(/^Sign in to use the lessons/) });
    }
    const quiz = await visitor.request.post(`${stack.siteUrl}/api/lessons/authoring/steps/concept/quiz`, { data: { choices: [0, 2] } });
    expect(quiz.status()).toBe(401);

    // Signing in from the refusal comes back to the lesson.
    await visitor.getByTestId("sign-in-required").getByRole("link", { name: "Sign in" }).click();
    await signIn(visitor, "kim@example.com");
    await expect(visitor).toHaveURL(`${stack.siteUrl}/lessons/authoring`);
    await expect(visitor.getByRole("heading", { level: 1, name: "Authoring showcase" })).toBeVisible();

    await setting.check();
    await admin.getByRole("button", { name: "Save settings" }).click();
    await expect(admin.getByText("Saved: visitors may try the lessons without an account.")).toBeVisible();
    await expect(setting).toBeChecked();
    const again = await (await browser.newContext()).newPage();
    expect((await again.goto(`${stack.siteUrl}/lessons/authoring`))!.status()).toBe(200);
  });
});
