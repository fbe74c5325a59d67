import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";

// A learner replays their own terminal in the browser, seeks to a check by its marker, and watches it live.

let stack: Stack;
const LESSON = "first-container";

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  stack = new Stack({ name: "e2e-replay", sitePort: 3200, runnerPort: 3201 });
  await stack.reset();
  await stack.start();
});
test.afterAll(async () => {
  await stack.stop();
});

const terminalText = (page: Page) => page.getByTestId("terminal").locator(".xterm-rows");
const step = (page: Page, id: string) => page.getByTestId(`step-${id}`);

test("the learner replays their terminal, a check's marker seeks to it, and a live view of it shows on their terminal", async ({ page, context, browser }) => {
  await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
  await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
  await page.getByTestId("terminal").click();
  await page.keyboard.type("docker run busybox echo hello");
  await page.keyboard.press("Enter");
  await expect(terminalText(page)).toContainText("hello", { timeout: 30_000 });
  await step(page, "hello-busybox").getByRole("button", { name: "Check my work" }).click();
  await expect(step(page, "hello-busybox").getByTestId("check-message")).toContainText("does not contain “hello world”");
  await step(page, "hello-busybox").getByTestId("run-block").click();
  await expect(step(page, "hello-busybox").getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });

  await expect(page.getByRole("link", { name: "Replay your terminal" })).toHaveAttribute("href", `/lessons/${LESSON}/replay`);
  const replay = await context.newPage(); // beside the lesson, whose terminal stays open
  await replay.goto(`${stack.siteUrl}/lessons/${LESSON}/replay`);
  const player = replay.getByTestId("recording-player");
  await expect(player).toHaveAttribute("data-state", "ready");
  const markers = replay.getByTestId("marker");
  await expect(markers.filter({ hasText: "step hello-busybox" })).toHaveCount(1);
  const failed = markers.filter({ hasText: "check hello-busybox failed" }).first();
  const passed = markers.filter({ hasText: "check hello-busybox passed" });
  await expect(passed).toHaveCount(1);

  // Seeking to a marker shows the terminal as it was at that check.
  const screen = player.locator(".ap-term");
  await failed.click();
  await expect(screen).toContainText("docker run busybox echo hello");
  await expect(screen).not.toContainText("hello world");
  await passed.click();
  await expect(screen).toContainText("hello world");

  // A live view: read-only, and the learner's terminal says it is open while it is.
  await replay.getByRole("link", { name: "Watch your terminal live, read-only" }).click();
  await expect(replay.getByTestId("live-status")).toHaveAttribute("data-status", "live");
  await expect(replay.getByTestId("live-terminal")).toContainText("hello world"); // the recent output first
  await expect(page.getByTestId("live-view-badge")).toHaveText("● Live view open");
  await page.getByTestId("terminal").click();
  await page.keyboard.type("echo live-$((3*3))");
  await page.keyboard.press("Enter");
  await replay.getByTestId("live-terminal").scrollIntoViewIfNeeded(); // xterm.js renders only while in view
  await expect(replay.getByTestId("live-terminal")).toContainText("live-9");
  await replay.getByTestId("live-terminal").click();
  await replay.keyboard.type("echo typed-by-the-viewer");
  await replay.keyboard.press("Enter");
  await replay.close();
  await expect(page.getByTestId("live-view-badge")).toHaveCount(0);
  await expect(terminalText(page)).not.toContainText("typed-by-the-viewer");

  // Someone else's session gets their own recordings, never this one.
  const other = await browser.newContext();
  const theirs = await other.request.get(`${stack.siteUrl}/api/labs/${LESSON}/recording?node=node1`);
  expect(theirs.status()).toBe(401);
  await other.request.post(`${stack.siteUrl}/api/labs/${LESSON}`);
  const empty = await other.request.get(`${stack.siteUrl}/api/labs/${LESSON}/recording?node=node1`);
  expect(empty.status()).toBe(404);
  expect((await empty.json()).error).toBe("no_recording");
  await other.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
  await other.close();
  await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
});
