import fs from "node:fs";
import type { Browser, Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";
import { labClient } from "../support/lab-client";
import type { TerminalClient } from "../support/terminal-client";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// The admin's host view on the real stack: with one boot at a time and seven labs asked for at once, it shows
// who waits in line and where, then the labs running with the host's load; the admin suspends one and stops
// another, each after confirming. Nobody else sees the host.

const PASSWORD = "correct horse battery";
const LESSON = "first-container";
const ADMIN = "root@example.com";

let stack: Stack;
let kimId: string;
let admin: Page;
const driver = new DockerSandboxDriver();
const labs: ReturnType<typeof labClient>[] = [];
const terminals: TerminalClient[] = [];

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await page.goto(`${stack.siteUrl}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(email);
  return page;
}

test.describe.configure({ mode: "serial" });
test.beforeAll(async ({ browser }) => {
  stack = new Stack({ name: "e2e-host", sitePort: 3380, runnerPort: 3381, env: { DOCKYARD_BOOT_CONCURRENCY: "1" } });
  await stack.reset();
  stack.createAdmin(ADMIN, PASSWORD);
  kimId = stack.seedPeople({ accounts: [{ email: "kim@example.com", password: PASSWORD, role: "student" }], cohorts: [] }).accounts["kim@example.com"]!;
  await stack.start();
  admin = await signedIn(browser, ADMIN);
});
test.afterAll(async () => {
  for (const t of terminals) t.close();
  await stack.stop();
  await Promise.all(labs.map((l) => driver.remove(l.sandbox)));
});

test("the host view shows who waits to boot and where, then the labs with the host's load; an admin suspends one and stops another", async ({}, testInfo) => {
  await admin.goto(`${stack.siteUrl}/admin`);
  await admin.getByRole("link", { name: "Host: labs, queue and load" }).click();
  await expect(admin.getByRole("heading", { name: "Host" })).toBeVisible();
  await expect(admin.getByTestId("gauge-engine")).toContainText("✓ answering");
  await expect(admin.getByTestId("queue-empty")).toHaveText("Nobody is waiting: every lab asked for has started.");

  // Six anonymous learners, then kim, open the lesson together: one boots at a time, the others wait; kim is last in line.
  const learners = [...Array.from({ length: 6 }, (_, i) => `e2e-host-${i}`), kimId];
  for (const learner of learners) {
    const lab = labClient(stack, learner, LESSON);
    labs.push(lab);
    terminals.push(lab.terminal());
    await terminals.at(-1)!.until(() => terminals.at(-1)!.messages.length > 0, 30_000, "the lab's first message");
  }
  const kimTerminal = terminals.at(-1)!;
  await kimTerminal.until(() => kimTerminal.messages.some((m) => m.type === "queued"), 30_000, "kim's lab in line");

  const queue = admin.getByTestId("queue-entry");
  const kimInLine = queue.filter({ hasText: "kim@example.com" });
  await expect(kimInLine).toContainText(/^#\d\s*kim@example\.com · Your first container · waiting since .+ · about \d+ s$/);
  expect(await queue.count()).toBeGreaterThanOrEqual(1);
  await expect(queue.first()).toContainText(/^#1\s*(anonymous e2e-host|kim@example\.com)/);
  const kimRow = admin.getByTestId("host-lab").filter({ hasText: "kim@example.com" });
  await expect(kimRow.getByTestId("lab-state")).toHaveText(/^queued #\d$/);
  await expect(admin.getByTestId("gauge-labs")).toContainText(/\d running, 1 booting, \d queued of 30/);
  await expect(admin.getByTestId("gauge-labs")).toContainText("0 pooled");
  await expect(admin.getByTestId("gauge-memory")).toContainText(/[\d.]+ GiB of [\d.]+ GiB in use/);
  await expect(admin.getByTestId("gauge-cpu")).toContainText(/[\d.]+% busy of \d+ cores/);
  await expect(admin.getByTestId("gauge-disk")).toContainText(/[\d.]+ GiB of [\d.]+ GiB used/);
  await expect(admin.getByRole("meter", { name: "Memory in use" })).toHaveAttribute("aria-valuenow", /^\d+$/);

  expect(
    await admin.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    "no horizontal scrolling",
  ).toBeLessThanOrEqual(0);
  for (const row of await admin.getByTestId("host-lab").all()) await expect(row).toBeVisible();
  await expect(kimInLine).toBeVisible(); // the screenshot shows the line
  const shot = testInfo.outputPath("host-view-1440x900.png");
  await admin.screenshot({ path: shot });
  await testInfo.attach("host view with a queue, at 1440×900", { path: shot, contentType: "image/png" });
  expect(fs.statSync(shot).size).toBeGreaterThan(10_000);

  for (const t of terminals) await t.ready(180_000);
  // Its own labs: the engine may hold others' too (an earlier spec's lab that idles until it is culled), which the view lists as well.
  const ownRunning = labs.map((l) => `[data-testid="host-lab"][data-sandbox="${l.sandbox}"][data-state="running"]`).join(", ");
  await expect(admin.locator(ownRunning)).toHaveCount(learners.length, { timeout: 30_000 });
  await expect(admin.getByTestId("queue-empty")).toBeVisible();
  await expect(kimRow).toContainText(/\d+ MiB/);
  await expect(kimRow).toContainText("attached");

  // Suspend kim's lab: asked first, then done.
  await kimRow.getByRole("button", { name: "Suspend the lab of kim@example.com" }).click();
  await expect(kimRow).toContainText("Suspend this lab (everything kept)?");
  await kimRow.getByRole("button", { name: "Yes, suspend" }).click();
  await expect(admin.getByTestId("host-said")).toHaveText("Suspended kim@example.com's lab of “Your first container”.");
  await expect(kimRow).toHaveAttribute("data-state", "suspended");
  expect((await driver.get(labs.at(-1)!.sandbox))?.suspendedAt).toBeInstanceOf(Date);

  // Stop another's: Cancel (or Escape) keeps it; confirming by keyboard removes it.
  const otherRow = admin.locator(`[data-testid="host-lab"][data-sandbox="${labs[0]!.sandbox}"]`);
  await otherRow.getByRole("button", { name: "Stop the lab of an anonymous learner" }).click();
  await otherRow.getByRole("button", { name: "Cancel" }).click();
  await expect(otherRow).toHaveAttribute("data-state", "running");
  await otherRow.getByRole("button", { name: "Stop the lab of an anonymous learner" }).click();
  await admin.keyboard.press("Escape");
  await expect(otherRow.getByRole("button", { name: "Yes, stop" })).toHaveCount(0);
  await otherRow.getByRole("button", { name: "Stop the lab of an anonymous learner" }).click();
  await expect(otherRow.getByRole("button", { name: "Yes, stop" })).toBeFocused();
  await admin.keyboard.press("Enter");
  await expect(admin.getByTestId("host-said")).toHaveText("Stopped and removed an anonymous learner's lab of “Your first container”.");
  await expect(otherRow).toHaveCount(0);
  expect(await driver.get(labs[0]!.sandbox)).toBeUndefined();
});

test("only admins see the host and stop or suspend labs; the lab-runner takes no other token for it", async ({ browser }) => {
  const kim = await signedIn(browser, "kim@example.com");
  const visitor = await (await browser.newContext()).newPage();
  const bob = labs[1]!.sandbox;
  for (const [who, page, status] of [
    ["a visitor", visitor, 401],
    ["a student", kim, 403],
  ] as const) {
    expect((await page.request.get(`${stack.siteUrl}/admin/host`, { maxRedirects: 0 })).status(), who).toBe(status);
    for (const [method, url] of [
      ["GET", "/api/admin/host"],
      ["POST", `/api/admin/host/labs/${bob}/suspend`],
      ["DELETE", `/api/admin/host/labs/${bob}`],
    ] as const) {
      const res = await page.request.fetch(`${stack.siteUrl}${url}`, { method });
      expect(res.status(), `${who}: ${method} ${url}`).toBe(status);
    }
  }
  expect((await driver.get(bob))?.running).toBe(true);
  const labToken = labs[1]!.token;
  const direct = await fetch(`${stack.runnerUrl}/admin/status`, { headers: { authorization: `Bearer ${labToken}` } });
  expect(direct.status).toBe(401);
  expect((await admin.request.delete(`${stack.siteUrl}/api/admin/host/labs/Not_A_Lab`)).status()).toBe(404);
});
