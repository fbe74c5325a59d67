import path from "node:path";
import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// Lesson setup as the learner meets it, in the browser against the real stack: the lab shows "Preparing your lab"
// before it is ready, a step with setup says "Preparing this step…" when reached, and a setup that fails shows what
// its script printed with a Retry (by keyboard) that succeeds once the cause is fixed.

let stack: Stack;
const driver = new DockerSandboxDriver();
const WEB = "setup-broken-web";
const SWITCH = "setup-needs-switch";

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  stack = new Stack({ name: "e2e-setup", sitePort: 3790, runnerPort: 3791, env: { DOCKYARD_CONTENT_DIR: path.resolve("tests/fixtures/setup-content") } });
  await stack.reset();
  await stack.start();
});
test.afterAll(async () => {
  await stack.stop();
  for (const lab of await browserLabs()) await driver.remove(lab.id);
});

/** The labs the browser's (anonymous) learner started: their ids are UUIDs. */
const browserLabs = async (lesson?: string) =>
  (await driver.list()).filter((l) => (lesson ? l.lessonSlug === lesson : [WEB, SWITCH].includes(l.lessonSlug)) && /^[0-9a-f-]{36}$/.test(l.learnerId));

const step = (page: Page, id: string) => page.getByTestId(`step-${id}`);
const labStatus = (page: Page) => page.getByTestId("lab-status");
/** Runs a command in node1 of the only lab of the lesson (what a fix of the setup's cause does). */
async function inLab(lesson: string, command: string): Promise<void> {
  const labs = await browserLabs(lesson);
  expect(labs).toHaveLength(1);
  expect((await driver.exec(labs[0]!.id, ["sh", "-c", command])).exitCode).toBe(0);
}

test("the lab says “Preparing your lab” before it is ready; a step with setup is prepared when the learner reaches it", async ({ page }) => {
  await page.goto(`${stack.siteUrl}/lessons/${WEB}`);
  await expect(page.locator('[data-stage="setup"]')).toHaveText(/Preparing your lab/, { timeout: 120_000 });
  await expect(labStatus(page)).toHaveAttribute("data-status", "ready", { timeout: 60_000 });
  await expect(page.getByText("lesson-setup-says-hidden-1")).toHaveCount(0);
  await expect(page.getByText("docker run -d --name web --restart=no")).toHaveCount(0);

  // The broken container the setup left: the check fails until the learner fixes it.
  await step(page, "fix-web").getByRole("button", { name: "Check my work" }).click();
  await expect(step(page, "fix-web").getByTestId("check-message")).toContainText("Not yet");
  await expect(step(page, "welcome").getByTestId("setup-welcome")).toHaveAttribute("data-state", "idle");
  await step(page, "fix-web").getByTestId("run-block").click();
  await expect(step(page, "fix-web").getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });

  // Reaching the next step prepares it.
  await expect(step(page, "welcome").getByTestId("setup-welcome")).toContainText("Preparing this step…");
  await expect(step(page, "welcome").getByTestId("setup-welcome")).toHaveAttribute("data-state", "done", { timeout: 30_000 });
  await step(page, "welcome").getByTestId("run-block").click();
  await expect(step(page, "welcome").getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("terminal").locator(".xterm-rows")).not.toContainText("step-setup-says-hidden-2");
});

test("a failing setup shows what its script printed, and Retry succeeds once the cause is fixed, for the lab and for a step", async ({ page }) => {
  await page.goto(`${stack.siteUrl}/lessons/${SWITCH}`);
  const failure = page.getByTestId("boot-stages").getByTestId("setup-failure");
  await expect(failure).toContainText("Preparing your lab failed", { timeout: 120_000 });
  await expect(failure.getByTestId("setup-output")).toHaveText("looking for the lesson switch\nsetup refused: /var/tmp/lesson-switch is missing");
  const retry = failure.getByRole("button", { name: "Retry" });
  await expect(retry).toBeFocused();

  await inLab(SWITCH, "touch /var/tmp/lesson-switch");
  await page.keyboard.press("Enter");
  await expect(labStatus(page)).toHaveAttribute("data-status", "ready", { timeout: 60_000 });

  // The step is reached once the lab is ready; its setup fails until its own cause is fixed.
  const stepSetup = step(page, "look").getByTestId("setup-look");
  await expect(stepSetup.getByTestId("setup-output")).toHaveText("step setup refused: /var/tmp/step-switch is missing", { timeout: 30_000 });
  await expect(stepSetup).toContainText("Preparing step “Look at what the setup prepared” failed");
  await inLab(SWITCH, "touch /var/tmp/step-switch");
  await stepSetup.getByRole("button", { name: "Retry" }).focus();
  await page.keyboard.press("Enter");
  await expect(stepSetup).toHaveAttribute("data-state", "done", { timeout: 30_000 });
  await step(page, "look").getByTestId("run-block").click();
  await expect(page.getByTestId("terminal").locator(".xterm-rows")).toContainText("prepared by the step setup");
  await expect(step(page, "look").getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });
});
