import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";

// What a learner sees when a limit stops them, in the browser against the real stack: the memory limit named
// in the terminal, and the lab quota naming the lab to stop, which "Stop lab" then frees.

let stack: Stack;

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  stack = new Stack({ name: "e2e-limits", sitePort: 3230, runnerPort: 3231, env: { DOCKYARD_MAX_LABS_PER_LEARNER: "1" } });
  await stack.reset();
  await stack.start();
});
test.afterAll(async () => {
  await stack.stop();
});

const terminalText = (page: Page) => page.getByTestId("terminal").locator(".xterm-rows");
const labStatus = (page: Page) => page.getByTestId("lab-status");

test("the memory limit is named in the terminal; over the lab quota the learner is told which lab to stop, and Stop lab frees it", async ({ page }) => {
  await page.goto(`${stack.siteUrl}/lessons/first-container`);
  await expect(labStatus(page)).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
  await page.getByTestId("terminal").click();
  await page.keyboard.type("head -c 4000m /dev/zero | tail");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("terminal-notice")).toContainText("Your lab reached its memory limit (1 GiB)", { timeout: 60_000 });
  await expect(terminalText(page)).toContainText("[Dockyard] Your lab reached its memory limit");

  await page.goto(`${stack.siteUrl}/lessons/volumes`);
  await expect(labStatus(page)).toHaveAttribute("data-status", "failed", { timeout: 30_000 });
  await expect(page.getByTestId("boot-stages").getByRole("alert")).toContainText("You already have 1 lab running (“Your first container”)");

  await page.goto(`${stack.siteUrl}/lessons/first-container`);
  await expect(labStatus(page)).toHaveAttribute("data-status", "ready", { timeout: 60_000 });
  await page.getByRole("button", { name: "Stop lab" }).click();
  await expect(labStatus(page)).toHaveAttribute("data-status", "stopped");
  await expect(page.getByTestId("lab-stopped")).toContainText("Your lab is stopped");

  await page.goto(`${stack.siteUrl}/lessons/volumes`);
  await expect(labStatus(page)).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
  await page.request.delete(`${stack.siteUrl}/api/labs/volumes`);
  await page.request.delete(`${stack.siteUrl}/api/labs/first-container`); // stopped, it is kept (suspended) until removed
});
