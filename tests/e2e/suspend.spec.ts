import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// Stop lab and coming back, in the browser against the real stack: the lab is suspended, not removed; opening the
// lesson again resumes it, the page says since when (in the learner's clock), and what the learner wrote is there.

let stack: Stack;
let sandboxId: string | undefined;
const driver = new DockerSandboxDriver();
const LESSON = "first-container";

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  stack = new Stack({ name: "e2e-suspend", sitePort: 3300, runnerPort: 3301 });
  await stack.reset();
  await stack.start();
});
test.afterAll(async () => {
  await stack.stop();
  if (sandboxId) await driver.remove(sandboxId); // suspended, it would be kept
});

const terminalText = (page: Page) => page.getByTestId("terminal").locator(".xterm-rows");
const labStatus = (page: Page) => page.getByTestId("lab-status");

test("Stop lab suspends the lab; opening the lesson again resumes it, says since when, and the file written before is there", async ({ page }) => {
  await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
  await expect(labStatus(page)).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
  ({ sandboxId } = (await (await page.request.post(`${stack.siteUrl}/api/labs/${LESSON}`)).json()) as { sandboxId: string });
  await page.getByTestId("terminal").click();
  await page.keyboard.type("echo kept-$((40+2)) > /root/kept && echo written-$((1+1))");
  await page.keyboard.press("Enter");
  await expect(terminalText(page)).toContainText("written-2", { timeout: 30_000 });

  await page.getByRole("button", { name: "Stop lab" }).click();
  await expect(labStatus(page)).toHaveAttribute("data-status", "stopped");
  const suspendedAt = (await driver.get(sandboxId!))?.suspendedAt;
  expect(suspendedAt, "stopped, the lab is kept and marked suspended").toBeInstanceOf(Date);

  await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
  await expect(labStatus(page)).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
  const since = await page.evaluate((iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), suspendedAt!.toISOString());
  await expect(page.getByTestId("terminal-notice")).toContainText(`Resumed your lab from ${since}`);
  await expect(terminalText(page)).toContainText(`[Dockyard] Resumed your lab from ${since}`);
  await page.getByTestId("terminal").click();
  await page.keyboard.type("cat /root/kept");
  await page.keyboard.press("Enter");
  await expect(terminalText(page)).toContainText("kept-42", { timeout: 30_000 });
});
