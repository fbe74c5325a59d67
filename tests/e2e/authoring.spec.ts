import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { projectDatabase, Stack } from "../support/stack";

// The authoring components as a student meets them, on a lesson that is test data
// (tests/fixtures/content/lessons/authoring), against the real stack.

const FIXTURE = path.resolve("tests/fixtures/content");
const LESSON = "authoring";

const step = (page: Page, id: string) => page.getByTestId(`step-${id}`);

test.describe("authoring components", () => {
  test.describe.configure({ mode: "serial" });
  let stack: Stack;

  test.beforeAll(async ({}, testInfo) => {
    const database = projectDatabase(testInfo);
    stack = new Stack({ name: `e2e-authoring-${database}`, sitePort: 3120, runnerPort: 3121, database, env: { DOCKYARD_CONTENT_DIR: FIXTURE } });
    await stack.reset();
    await stack.start();
  });
  test.afterAll(async () => {
    await stack.stop();
  });

  test("hints one by one, the solution on demand (both remembered), a copy-only block, a server-judged quiz", { tag: "@database" }, async ({ page }) => {
    await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
    const named = step(page, "named");
    await expect(named.getByRole("button", { name: "Copy" })).toHaveCount(1);
    await expect(named.getByTestId("run-block")).toHaveCount(0);

    // What only the lab-runner and lessons:test need never reaches the browser.
    const html = await page.content();
    for (const secret of ["greeter2", "logsContain", '"correct"']) expect(html).not.toContain(secret);

    await expect(named.getByTestId("hint")).toHaveCount(0);
    await named.getByRole("button", { name: "Show a hint (1 of 2)" }).click();
    await expect(named.getByTestId("hint")).toHaveText(/Hint 1: Give the container a name/);
    await named.getByRole("button", { name: "Show another hint (2 of 2)" }).click();
    await expect(named.getByTestId("hint")).toHaveCount(2);
    await expect(named.getByRole("button", { name: /Show .*hint/ })).toHaveCount(0);

    await named.getByRole("button", { name: "Show the solution" }).click();
    await expect(named.getByTestId("solution")).toBeVisible();
    await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
    await named.getByTestId("solution").getByTestId("run-block").click();
    await expect(named.getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });

    const quiz = page.getByTestId("quiz-concept");
    await expect(quiz.getByText("Choose every answer that is right.")).toBeVisible();
    await quiz.getByLabel("It is a read-only template for containers").check();
    await quiz.getByLabel("It is a running process").check();
    await quiz.getByRole("button", { name: "Check my answer" }).click();
    await expect(quiz.getByTestId("quiz-message")).toHaveText(/Not quite: one choice is not right/);
    await quiz.getByLabel("It is a running process").uncheck();
    await quiz.getByRole("button", { name: "Check my answer" }).click();
    await expect(quiz.getByTestId("quiz-message")).toHaveText(/Almost: one more answer is right/);
    await quiz.getByLabel("Several containers can start from the same one").check();
    await quiz.getByRole("button", { name: "Check my answer" }).click();
    await expect(quiz.getByTestId("check-passed")).toBeVisible();
    await expect(page.getByTestId("progress-count")).toHaveText("2 / 2 steps");

    // The help taken was recorded on the server: a reload shows both hints and the solution again.
    await page.reload();
    await expect(named.getByTestId("hint")).toHaveCount(2);
    await expect(named.getByTestId("solution")).toBeVisible();
    await expect(quiz.getByTestId("check-passed")).toBeVisible();
    await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
  });

  test("assets beside the lesson are served; its source and anything outside its folder are not", async ({ page }) => {
    await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
    await expect(page.getByRole("img", { name: "a diagram" })).toHaveAttribute("src", `/lessons/${LESSON}/assets/diagram.svg`);
    const asset = await page.request.get(`${stack.siteUrl}/lessons/${LESSON}/assets/diagram.svg`);
    expect(asset.status()).toBe(200);
    expect(asset.headers()["content-type"]).toBe("image/svg+xml");
    expect(asset.headers()["content-security-policy"]).toContain("default-src 'none'");
    for (const forbidden of ["lesson.mdx", "..%2F..%2F..%2F..%2Fpackage.json", "..%2Fauthoring%2Flesson.mdx", "missing.png"])
      expect((await page.request.get(`${stack.siteUrl}/lessons/${LESSON}/assets/${forbidden}`)).status(), forbidden).toBe(404);
  });

  test("the quiz and help endpoints refuse bad input with clear errors", async ({ page }) => {
    const api = `${stack.siteUrl}/api/lessons/${LESSON}/steps`;
    const post = (url: string, data: unknown) =>
      page.request.post(url, { data: Buffer.from(typeof data === "string" ? data : JSON.stringify(data)), headers: { "content-type": "application/json" } });
    const cases: [string, unknown, number, RegExp][] = [
      [`${api}/concept/quiz`, { choices: [7] }, 400, /this quiz has 3 options/],
      [`${api}/concept/quiz`, "not json", 400, /not JSON/],
      [`${api}/concept/quiz`, { choices: "all" }, 400, /choices/],
      [`${api}/named/quiz`, { choices: [0] }, 404, /has no quiz/],
      [`${api}/nope/quiz`, { choices: [0] }, 404, /has no step “nope”/],
      [`${stack.siteUrl}/api/lessons/nope/steps/x/help`, { kind: "hint" }, 404, /no lesson “nope”/],
      [`${api}/named/help`, { kind: "hint", index: 2 }, 404, /has 2 hint/],
      [`${api}/named/help`, { kind: "answer" }, 400, /kind/],
      [`${api}/named/help`, { kind: "hint", index: 0, padding: "x".repeat(20_000) }, 413, /over 16384 bytes/],
    ];
    for (const [url, body, status, message] of cases) {
      const res = await post(url, body);
      expect(res.status(), `${url} ${JSON.stringify(body).slice(0, 60)}`).toBe(status);
      expect((await res.json()).message).toMatch(message);
    }
  });
});

test.describe("lesson hot reload", () => {
  let stack: Stack;
  let content: string;

  test.beforeAll(async () => {
    content = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-content-"));
    fs.cpSync(FIXTURE, content, { recursive: true });
    stack = new Stack({ name: "e2e-dev", sitePort: 3130, runnerPort: 3131, dev: true, env: { DOCKYARD_CONTENT_DIR: content } });
    await stack.reset();
    await stack.startSite();
  });
  test.afterAll(async () => {
    await stack.stop();
    fs.rmSync(content, { recursive: true, force: true });
  });

  test("under next dev, a lesson being edited re-renders by itself, through a broken save and its fix", async ({ page }) => {
    const file = path.join(content, "lessons", LESSON, "lesson.mdx");
    const original = fs.readFileSync(file, "utf8");
    await page.goto(`${stack.siteUrl}/lessons/${LESSON}`, { timeout: 180_000 });
    await expect(page.getByRole("heading", { level: 1, name: "Authoring showcase" })).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId("lesson-hot-reload")).toHaveAttribute("data-state", "watching", { timeout: 60_000 });
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42)); // survives only without a reload

    fs.writeFileSync(file, original.replace("title: Authoring showcase", "title: Authoring, edited live"));
    await expect(page.getByRole("heading", { level: 1, name: "Authoring, edited live" })).toBeVisible({ timeout: 60_000 });

    fs.writeFileSync(file, original.replace("</Step>", "<Video />\n</Step>"));
    await expect(page.getByTestId("lesson-error")).toContainText(/lesson\.mdx:\d+: unknown component <Video>/, { timeout: 60_000 });
    await expect(page.getByTestId("lesson-hot-reload")).toHaveAttribute("data-state", "watching");

    fs.writeFileSync(file, original);
    await expect(page.getByRole("heading", { level: 1, name: "Authoring showcase" })).toBeVisible({ timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  });
});
