import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { projectDatabase, Stack } from "../support/stack";
import { TerminalClient } from "../support/terminal-client";
import { issue, verify, loadLessons, isGraded, contentDir } from "@dockyard/contract/server";

// The newcomer's flow against the real stack: real dockerd, pty, database and browser.

let stack: Stack;
const LESSON = "first-container";
const GRADED_STEPS = loadLessons(contentDir())
  .lessons.find((l) => l.slug === LESSON)!
  .steps.filter(isGraded).length;

test.describe.configure({ mode: "serial" });
test.beforeAll(async ({}, testInfo) => {
  const database = projectDatabase(testInfo);
  stack = new Stack({ name: `e2e-first-${database}`, sitePort: 3110, runnerPort: 3111, database });
  await stack.reset();
  await stack.start();
});
test.afterAll(async () => {
  await stack.stop();
});

const terminalText = (page: Page) => page.getByTestId("terminal").locator(".xterm-rows");
const step = (page: Page, id: string) => page.getByTestId(`step-${id}`);

test(
  "a newcomer runs a container from the lesson, a wrong attempt is explained, progress survives reloads and restarts",
  { tag: "@database" },
  async ({ page }) => {
    await page.goto(stack.siteUrl);
    await expect(page.getByRole("heading", { name: "Docker, hands on" })).toBeVisible();
    await page.getByRole("link", { name: /Your first container/ }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Your first container" })).toBeVisible();
    await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });

    // A wrong attempt, typed by hand, gets a message saying what is missing.
    await page.getByTestId("terminal").click();
    await page.keyboard.type("docker run busybox echo hello");
    await page.keyboard.press("Enter");
    await expect(terminalText(page)).toContainText("hello", { timeout: 30_000 });
    await step(page, "hello-busybox").getByRole("button", { name: "Check my work" }).click();
    await expect(step(page, "hello-busybox").getByTestId("check-message")).toContainText("does not contain “hello world”");
    await expect(step(page, "hello-busybox").getByTestId("check-passed")).toHaveCount(0);

    // Clicking the run block types the command into the terminal and runs it; the check turns green by itself.
    await step(page, "hello-busybox").getByTestId("run-block").click();
    await expect(terminalText(page)).toContainText("hello world");
    await expect(step(page, "hello-busybox").getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });
    await expect(step(page, "hello-busybox").getByTestId("check-message")).toContainText("Well done");
    await expect(page.getByTestId("progress-count")).toHaveText(`1 / ${GRADED_STEPS} steps`);

    await page.reload();
    await expect(step(page, "hello-busybox").getByTestId("check-passed")).toBeVisible();
    await expect(page.getByTestId("progress-count")).toHaveText(`1 / ${GRADED_STEPS} steps`);

    await stack.stop();
    await stack.start();
    await page.reload();
    await expect(step(page, "hello-busybox").getByTestId("check-passed")).toBeVisible();
    await expect(step(page, "hello-world").getByTestId("check-passed")).toHaveCount(0);
    // The restarted lab-runner adopted the sandbox: the shell reattaches and the container from before is still there.
    await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 60_000 });
    await step(page, "clean-up").getByTestId("run-block").first().click();
    await expect(terminalText(page)).toContainText("busybox");
    await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
  },
);

test("the terminal socket refuses another learner's token, no token and a forged token", async ({ browser }) => {
  const ann = await browser.newContext();
  const bob = await browser.newContext();
  const annLab = await (await ann.request.post(`${stack.siteUrl}/api/labs/${LESSON}`)).json();
  const bobLab = await (await bob.request.post(`${stack.siteUrl}/api/labs/${LESSON}`)).json();
  expect(annLab.sandboxId).not.toBe(bobLab.sandboxId);

  const secret = stack.secret;
  const annCookie = (await ann.cookies()).find((c) => c.name === "dockyard_session")!.value;
  const annId = verify(secret, "session", annCookie).learner!;
  const annClaims = { learner: annId, sandbox: annLab.sandboxId, lesson: LESSON };
  const attempts = [
    { token: bobLab.token, code: 4403, error: "forbidden", message: /another sandbox/ },
    { token: issue(secret, "lab", annClaims, 60, Date.now() - 3600_000), code: 4401, error: "unauthorized", message: /expired/ },
    { token: issue(secret, "lab", { ...annClaims, learner: "impostor" }, 60), code: 4403, error: "forbidden", message: /another sandbox/ },
    { token: "", code: 4401, error: "unauthorized", message: /No token/ },
    { token: annLab.token.replace(/.$/, (c: string) => (c === "A" ? "B" : "A")), code: 4401, error: "unauthorized", message: /signature/ },
  ];
  for (const attempt of attempts) {
    const client = new TerminalClient(`${annLab.terminalUrl}?token=${encodeURIComponent(attempt.token)}`);
    await client.waitForClose();
    expect(client.closed?.code).toBe(attempt.code);
    expect(client.messages).toEqual([expect.objectContaining({ type: "error", code: attempt.error, message: expect.stringMatching(attempt.message) })]);
    expect(client.text).toBe("");
  }

  // Ann's own token works.
  const own = new TerminalClient(`${annLab.terminalUrl}?token=${encodeURIComponent(annLab.token)}`);
  await own.ready();
  own.type("echo mine-$((6*7))\r");
  await own.waitForText("mine-42");
  own.close();

  // The check endpoint applies the same rule.
  const stolen = await fetch(`${stack.runnerUrl}/sandboxes/${annLab.sandboxId}/checks/hello-busybox`, {
    method: "POST",
    headers: { authorization: `Bearer ${bobLab.token}` },
  });
  expect(stolen.status).toBe(403);
  expect((await stolen.json()).error).toBe("wrong_sandbox");
  for (const ctx of [ann, bob]) await ctx.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
  await ann.close();
  await bob.close();
});

test("`yes` flooding the terminal for 10 s leaves the page responsive and the shell usable", async ({ page }) => {
  await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
  await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
  await page.getByTestId("terminal").click();
  await page.keyboard.type("yes");
  await page.keyboard.press("Enter");
  await page.waitForTimeout(10_000);
  expect(await page.evaluate(() => document.title)).toBe("Dockyard"); // the page's main thread still answers
  await page.keyboard.press("Control+C");
  await page.keyboard.type("clear; echo alive-$((6*7))");
  await page.keyboard.press("Enter");
  await expect(terminalText(page)).toContainText("alive-42", { timeout: 60_000 });
  await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
});

test("an unknown lesson is a clear 404, on the page and in the API", async ({ page }) => {
  const res = await page.goto(`${stack.siteUrl}/lessons/no-such-lesson`);
  expect(res?.status()).toBe(404);
  await expect(page.getByText("There is no such lesson or page.")).toBeVisible();
  const api = await page.request.post(`${stack.siteUrl}/api/labs/no-such-lesson`);
  expect(api.status()).toBe(404);
  expect(await api.json()).toMatchObject({ error: "unknown_lesson" });
});
