import path from "node:path";
import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";

// A two-node lab with a private registry, as a learner sees it: a terminal tab per node, run blocks that go to
// the node their step names, a check judged on that node, and the registry login shown beside the terminal.

const LESSON = "cluster";
let stack: Stack;

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  stack = new Stack({ name: "e2e-cluster", sitePort: 3170, runnerPort: 3171, env: { DOCKYARD_CONTENT_DIR: path.resolve("tests/fixtures/content") } });
  await stack.reset();
  await stack.start();
});
test.afterAll(async () => {
  await stack.stop();
});

test("one terminal tab per node, a step's commands and check on its node, and the registry login that works", async ({ page }) => {
  await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
  const tabs = page.getByRole("tablist", { name: "Your lab" }).getByRole("tab");
  await expect(tabs).toHaveText(["node1", "node2", "Editor"]);
  await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });

  const terminal = (node: string) => page.getByRole("tabpanel", { name: node }).getByTestId("terminal");
  await terminal("node1").click();
  await page.keyboard.type("hostname\n");
  await expect(terminal("node1").locator(".xterm-rows")).toContainText(/hostname\s*node1/);

  // The step declares node2: its run block opens node2's terminal and runs there; the check looks at node2.
  await page.getByTestId("step-on-node2").getByTestId("run-block").click();
  await expect(tabs.filter({ hasText: "node2" })).toHaveAttribute("aria-selected", "true");
  await expect(terminal("node2").locator(".xterm-rows")).toContainText("hello from node2", { timeout: 60_000 });
  await expect(page.getByTestId("step-on-node2").getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });
  await page.keyboard.type("hostname\n");
  await expect(terminal("node2").locator(".xterm-rows")).toContainText(/hostname\s*node2/);

  const login = page.getByTestId("registry-login");
  await expect(login).toContainText("registry:5000");
  const password = (await page.getByTestId("registry-password").innerText()).trim();
  expect(password.length).toBeGreaterThanOrEqual(12);
  await terminal("node2").click();
  await page.keyboard.type(`echo ${password} | docker login registry:5000 -u learner --password-stdin\n`);
  await expect(terminal("node2").locator(".xterm-rows")).toContainText("Login Succeeded", { timeout: 30_000 });
  await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
});
