import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";

// A Kubernetes lesson as a learner meets it, on the real stack: the page shows the cluster's boot stages, the
// terminal's kubectl talks to a real cluster in the sandbox, a faked answer (an alias that prints what kubectl
// would) is not taken for a pod, and the real pod passes the check.

const LESSON = "kubernetes-pods";
let stack: Stack;

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  stack = new Stack({ name: "e2e-kubernetes", sitePort: 3500, runnerPort: 3501 });
  await stack.reset();
  await stack.start();
});
test.afterAll(async () => {
  await stack.stop();
});

const terminalText = (page: Page) => page.getByTestId("terminal").locator(".xterm-rows");
const step = (page: Page, id: string) => page.getByTestId(`step-${id}`);

test("the cluster boots with its stages shown; kubectl works; an alias's fake answer fails the check, a real pod passes", async ({ page }) => {
  await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
  await expect(page.getByRole("heading", { level: 1, name: "Kubernetes: pods and kubectl" })).toBeVisible();
  await expect(page.locator('[data-stage="cluster"]')).toBeVisible({ timeout: 90_000 });
  await expect(page.locator('[data-stage="cluster"]')).toContainText("Starting Kubernetes");
  await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 120_000 });

  await page.getByTestId("terminal").click();
  await page.keyboard.type("kubectl get nodes\n");
  await expect(terminalText(page)).toContainText(/node1\s+Ready/, { timeout: 30_000 });

  // Typing the right words through an alias changes nothing in the cluster: the check reads the API.
  // (an alias applies from the next line bash reads, so each is a line of its own)
  await page.keyboard.type("alias kubectl='echo pod/hello faked #'\n");
  await page.keyboard.type("kubectl run hello --image=busybox:1.35\n");
  await expect(terminalText(page)).toContainText("pod/hello faked");
  await page.keyboard.type("unalias kubectl\n");
  await step(page, "run").getByRole("button", { name: "Check my work" }).click();
  await expect(step(page, "run").getByTestId("check-message")).toContainText("hello", { timeout: 30_000 });
  await expect(step(page, "run").getByTestId("check-passed")).toHaveCount(0);

  await page.getByTestId("terminal").click();
  await page.keyboard.type("kubectl run hello --image=busybox:1.35 -- sleep 1d && kubectl wait --for=condition=Ready pod/hello --timeout=120s\n");
  await expect(terminalText(page)).toContainText("condition met", { timeout: 120_000 });
  await step(page, "run").getByRole("button", { name: "Check my work" }).click();
  await expect(step(page, "run").getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });
  await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
});
