import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";
import { labClient } from "../support/lab-client";
import type { TerminalClient } from "../support/terminal-client";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// A class arriving at once, in the browser against the real stack: with one boot at a time and other learners'
// labs booting and waiting, the lesson page says where its lab is in line, then its terminal comes up.

const LESSON = "first-container";
let stack: Stack;
const driver = new DockerSandboxDriver();
const others: ReturnType<typeof labClient>[] = [];

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  stack = new Stack({ name: "e2e-queue", sitePort: 3280, runnerPort: 3281, env: { DOCKYARD_BOOT_CONCURRENCY: "1" } });
  await stack.reset();
  await stack.start();
});
test.afterAll(async () => {
  await stack.stop();
  await Promise.all(others.map((l) => driver.remove(l.sandbox)));
});

const labStatus = (page: Page) => page.getByTestId("lab-status");

test("the queue position appears in the page while the host is full, then the terminal becomes ready", async ({ page }) => {
  // Three other learners open the lesson first: one takes the only boot slot, two wait in line.
  const terminals: TerminalClient[] = [0, 1, 2].map((i) => {
    const lab = labClient(stack, `e2e-queue-${i}`, LESSON);
    others.push(lab);
    return lab.terminal();
  });
  await terminals[0]!.until(() => terminals.filter((t) => t.messages.some((m) => m.type === "queued")).length === 2, 30_000, "two labs in line");

  await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
  const place = page.getByTestId("boot-queue");
  await expect(place).toContainText(/You are (next|\d+(st|nd|rd|th)) in line — about \d+ (s|min)/);
  await expect(labStatus(page)).toHaveAttribute("data-status", "queued");
  await expect(labStatus(page)).toContainText(/Queued: (next|\d+(st|nd|rd|th)) in line/);
  await expect(page.getByTestId("boot-stages")).toHaveAttribute("aria-live", "polite");

  await expect(labStatus(page)).toHaveAttribute("data-status", "ready", { timeout: 180_000 });
  await expect(place).toHaveCount(0);
  await page.getByTestId("terminal").click();
  await page.keyboard.type("echo after-the-line-$((6*7))");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("terminal").locator(".xterm-rows")).toContainText("after-the-line-42");

  for (const t of terminals) {
    await t.ready(120_000);
    t.close();
  }
  await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
});
