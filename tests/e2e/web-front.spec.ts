import { spawnSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Page } from "@playwright/test";
import { REFUSALS } from "@dockyard/contract/server";
import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";

// The web front against the real stack (site, lab-runner, dockerd, Chromium): what another site's page makes the
// learner's browser send is refused before it changes anything, every response carries the security headers, a
// page runs only its own scripts and no one may frame it, and a failure shows Dockyard's page, not Next's.

const LESSON = "first-container";
const PASSWORD = "correct horse battery";

/**
 * Another site's page, on another port of this host: another origin, yet same-site with Dockyard (cookies are not
 * separated by port), so the learner's browser sends their cookie along with whatever it asks Dockyard.
 */
async function otherSite(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(html));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const terminalText = (page: Page) => page.getByTestId("terminal").locator(".xterm-rows");

async function run(page: Page, command: string) {
  await page.getByTestId("terminal").click();
  await page.keyboard.type(command);
  await page.keyboard.press("Enter");
}

/** A policy's directives by name. */
const directives = (policy: string) =>
  new Map(
    policy
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name!, values.join(" ")]),
  );

test.describe("a learner's lab and account", () => {
  let stack: Stack;
  test.describe.configure({ mode: "serial" });
  test.beforeAll(async () => {
    stack = new Stack({ name: "e2e-web-front", sitePort: 3420, runnerPort: 3421 });
    await stack.reset();
    stack.seedPeople({ accounts: [{ email: "eve@example.com", password: PASSWORD, role: "student" }], cohorts: [] });
    await stack.start();
  });
  test.afterAll(async () => {
    await stack.stop();
  });

  test("a request from another site that would remove or stop the lab is refused and the lab stays; the page's own reset works", async ({ page }) => {
    const lab = `${stack.siteUrl}/api/labs/${LESSON}`;
    await page.goto(`${stack.siteUrl}/lessons/${LESSON}`);
    await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
    await run(page, "echo $((40 + 2)) > /root/marker");

    // What the probe did: DELETE with the learner's cookie and a foreign Origin.
    const forged = await page.request.delete(lab, { headers: { origin: "http://evil.example" } });
    expect(forged.status()).toBe(403);
    expect(await forged.json()).toEqual({ error: "cross_site", message: expect.stringContaining("(http://evil.example)") });

    // A page of another origin on this host makes the learner's browser stop the lab (a simple POST: no preflight).
    // The browser sends the learner's cookie along: a read it makes first answers as the learner (200, not 401).
    const get = `fetch(${JSON.stringify(`${lab}/ports`)}, { mode: "no-cors", credentials: "include" })`;
    const post = `fetch(${JSON.stringify(`${lab}/suspend`)}, { method: "POST", mode: "no-cors", credentials: "include" })`;
    const attack = await otherSite(`<script>${get}.then(() => ${post})</script>`);
    const attacker = await page.context().newPage();
    const [read, refused] = [attacker.waitForResponse(`${lab}/ports`), attacker.waitForResponse(`${lab}/suspend`)];
    await attacker.goto(attack.url);
    expect((await read).status()).toBe(200);
    expect((await refused).status()).toBe(403);
    await attacker.close();
    await attack.close();

    // The lab is neither removed nor stopped: its file is there, in the same shell.
    await run(page, "cat /root/marker");
    await expect(terminalText(page)).toContainText("42");
    await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready");

    // The page's own requests (same origin) still work: Reset lab removes it and a fresh one starts.
    page.once("dialog", (dialog) => void dialog.accept());
    const reset = page.waitForResponse((r) => r.url() === lab && r.request().method() === "DELETE");
    await page.getByRole("button", { name: "Reset lab" }).click();
    expect((await reset).status()).toBe(200);
    await expect(page.getByTestId("lab-status")).not.toHaveAttribute("data-status", "ready");
    await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
    await run(page, "cat /root/marker");
    await expect(terminalText(page)).toContainText("No such file or directory");
    await page.request.delete(lab);
  });

  test("a Server Action posted by another site's form is refused; the site's own form works", async ({ page }) => {
    await page.goto(`${stack.siteUrl}/signin`);
    await page.getByLabel("Email").fill("eve@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-as")).toContainText("eve@example.com");

    // Another site copies the sign-out form (its action's id is in every page as served) and submits it in the
    // learner's browser.
    await page.goto(stack.siteUrl);
    const signOut = page.locator("form", { has: page.getByRole("button", { name: "Sign out" }) });
    const actionField = await signOut.locator('input[type="hidden"]').first().getAttribute("name", { timeout: 5000 });
    expect(actionField).toMatch(/^\$ACTION_ID_/);
    const attack = await otherSite(
      `<form method="post" action="${stack.siteUrl}/" enctype="multipart/form-data"><input type="hidden" name="${actionField}" value=""></form>` +
        `<script>document.forms[0].submit()</script>`,
    );
    const attacker = await page.context().newPage();
    const answered = attacker.waitForResponse((r) => r.url() === `${stack.siteUrl}/` && r.request().method() === "POST");
    await attacker.goto(attack.url);
    expect((await answered).status()).toBe(403);
    await attacker.close();
    await attack.close();

    await page.reload();
    await expect(page.getByTestId("signed-in-as")).toContainText("eve@example.com");
    await signOut.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
    await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
  });

  test("pages, API answers and static files carry the security headers; a page's scripts run only with its own nonce", async ({ page, cspViolations }) => {
    const fixed = (headers: Record<string, string>, what: string) => {
      expect(headers["x-frame-options"], what).toBe("DENY");
      expect(headers["x-content-type-options"], what).toBe("nosniff");
      expect(headers["referrer-policy"], what).toBe("same-origin");
    };

    const [first, second] = [await page.request.get(`${stack.siteUrl}/`), await page.request.get(`${stack.siteUrl}/`)];
    fixed(first.headers(), "page");
    const policy = directives(first.headers()["content-security-policy"]!);
    const nonce = policy.get("script-src")!.match(/'nonce-([A-Za-z0-9+/=]{16,})'/)?.[1];
    expect(policy.get("script-src")).toBe(`'self' 'nonce-${nonce}' 'strict-dynamic' 'wasm-unsafe-eval'`);
    expect(policy.get("object-src")).toBe("'none'");
    expect(policy.get("base-uri")).toBe("'none'");
    expect(policy.get("frame-ancestors")).toBe("'none'");
    expect(policy.get("form-action")).toBe("'self'");
    expect(policy.get("connect-src")).toBe(`'self' ws://localhost:${stack.options.runnerPort}`);
    expect(directives(second.headers()["content-security-policy"]!).get("script-src")).not.toContain(nonce);
    const scripts = (await first.text()).match(/<script\b[^>]*>/g)!;
    expect(scripts.length).toBeGreaterThan(3);
    for (const script of scripts) expect(script).toContain(` nonce="${nonce}"`);

    const api = await page.request.get(`${stack.siteUrl}/api/labs/${LESSON}/ports`);
    fixed(api.headers(), "API answer");
    expect(directives(api.headers()["content-security-policy"]!).get("default-src")).toBe("'none'");
    expect(directives(api.headers()["content-security-policy"]!).get("frame-ancestors")).toBe("'none'");

    const file = await page.request.get(`${stack.siteUrl}${scripts.map((s) => s.match(/src="([^"]+)"/)?.[1]).find(Boolean)}`);
    expect(file.status()).toBe(200);
    fixed(file.headers(), "static file");
    expect(directives(file.headers()["content-security-policy"]!).get("default-src")).toBe("'none'");

    // In the browser: markup injected into the page cannot run script (an inline handler carries no nonce).
    await page.goto(stack.siteUrl);
    const ran = await page.evaluate(() => {
      const injected = document.createElement("img");
      injected.setAttribute("onclick", "document.body.dataset.injected = 'ran'");
      document.body.append(injected);
      injected.click();
      return document.body.dataset.injected === "ran";
    });
    expect(ran).toBe(false);
    await expect.poll(() => cspViolations.join("\n")).toMatch(/inline event handler/);

    // Another site's page frames Dockyard: the browser refuses.
    const framing = await otherSite(`<iframe src="${stack.siteUrl}/"></iframe>`);
    const framer = await page.context().newPage();
    await framer.goto(framing.url);
    await expect.poll(() => cspViolations.join("\n")).toMatch(/frame-ancestors 'none'/);
    await framer.close();
    await framing.close();
    cspViolations.length = 0; // both were provoked on purpose
  });
});

test.describe("a failure on Dockyard's side", () => {
  let stack: Stack;
  test.beforeAll(async () => {
    stack = new Stack({ name: "e2e-web-front-failure", sitePort: 3430, runnerPort: 3431 });
    await stack.reset();
    await stack.startSite();
    // The database loses the tables every page and lesson route reads first (through the driver the site uses).
    const sql = 'ALTER TABLE "SiteSettings" RENAME TO "GoneSettings"; ALTER TABLE "Learner" RENAME TO "GoneLearner";';
    const script =
      'const r = require("node:module").createRequire(require.resolve("@prisma/adapter-better-sqlite3")); new (r("better-sqlite3"))(process.argv[1]).exec(process.argv[2])';
    const broken = spawnSync(process.execPath, ["-e", script, path.join(stack.dataDir, "dockyard.db"), sql]);
    expect(broken.status, broken.stderr.toString()).toBe(0);
  });
  test.afterAll(async () => {
    await stack.stopSite();
  });

  test("shows Dockyard's error page and JSON error, and none of Next's internals or the error itself", async ({ page }) => {
    const internals = [/Application error/i, /server-side exception/i, /prisma/i, /SiteSettings/, /does not exist/i, /\.next\//, /node_modules/, /\bat \S+ \(/];

    const response = await page.goto(stack.siteUrl);
    expect(response!.status()).toBe(500);
    await expect(page.getByRole("heading", { name: "Something went wrong on Dockyard's side" })).toBeVisible();
    await expect(page.getByTestId("error-reference")).toHaveText(/^\w+$/);
    const shown = await page.locator("body").innerText();
    const sent = await response!.text();
    for (const internal of internals) {
      expect(shown).not.toMatch(internal);
      expect(sent).not.toMatch(internal);
    }

    const api = await page.request.post(`${stack.siteUrl}/api/lessons/${LESSON}/steps/hello-busybox/quiz`, { data: { choices: [0] } });
    expect(api.status()).toBe(500);
    expect(api.headers()["content-type"]).toContain("application/json");
    expect(await api.json()).toEqual({ error: "internal", message: REFUSALS.internal.message });
  });
});
