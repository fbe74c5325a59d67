import type { BrowserContext, Page, WebSocket } from "@playwright/test";
import { test, expect } from "../support/csp";
import { issueAdminToken } from "@dockyard/contract/server";
import { CHROMIUM, chromiumArgs } from "../support/browser";
import { Front } from "../support/front";
import { Stack } from "../support/stack";

// Dockyard on one public HTTPS address through the front server (Debian's Caddy, scripts/front.sh), its own CA
// trusted by the browser: the newcomer's flow, the terminal's WebSocket on that origin and nothing else of the
// lab-runner there, HSTS and Secure cookies, and a learner's web preview on an origin of its own that can neither
// read Dockyard's cookie nor use Dockyard's API with the learner's credentials.

const LESSON = "first-container";
const HOST = "dockyard.test";
const PREVIEW_DOMAIN = "preview.dockyard-preview.test";
const stack = new Stack({ name: "e2e-front", sitePort: 3460, runnerPort: 3461 });
const front = new Front(stack, { host: HOST, previewDomain: PREVIEW_DOMAIN, httpPort: 3462, httpsPort: 3463 });
Object.assign(stack.env, front.stackEnv);

test.use({
  launchOptions: {
    executablePath: CHROMIUM,
    args: chromiumArgs([HOST, `*.${PREVIEW_DOMAIN}`]),
    env: { ...(process.env as Record<string, string>), HOME: front.browserHome },
  },
});

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  await stack.reset();
  await stack.start();
  await front.start();
});
test.afterAll(async () => {
  await front.stop();
  await stack.stop();
});

const terminalText = (page: Page) => page.getByTestId("terminal").locator(".xterm-rows");

async function removeLab(context: BrowserContext) {
  expect((await front.requestAs(context, `/api/labs/${LESSON}`, { method: "DELETE" }))?.status).toBe(200);
}

async function typeInTerminal(page: Page, command: string) {
  await page.getByTestId("terminal").click();
  await page.keyboard.type(command);
  await page.keyboard.press("Enter");
}

test("a newcomer opens a lesson over https and runs a command; the terminal's WebSocket is on the one origin; HSTS, Secure cookies", async ({ page }) => {
  const sockets: WebSocket[] = [];
  page.on("websocket", (ws) => sockets.push(ws));
  const home = await page.goto(front.publicUrl);
  expect(home!.url()).toBe(`${front.publicUrl}/`);
  expect(home!.headers()["strict-transport-security"]).toBe("max-age=31536000");
  await expect(page.getByRole("heading", { name: "Docker, hands on" })).toBeVisible();

  await page.getByRole("link", { name: /Your first container/ }).click();
  await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
  await page.getByTestId("step-hello-busybox").getByTestId("run-block").click();
  await expect(terminalText(page)).toContainText("hello world", { timeout: 30_000 });
  await expect(page.getByTestId("step-hello-busybox").getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });

  const terminal = sockets.find((ws) => new URL(ws.url()).pathname.endsWith("/terminal"));
  expect(new URL(terminal!.url()).origin).toBe(`wss://${HOST}:3463`);
  expect(new URL(terminal!.url()).pathname).toMatch(/^\/sandboxes\/dy-[a-f0-9]+\/terminal$/);
  expect(sockets.every((ws) => ws.url().startsWith(`wss://${HOST}:3463/`))).toBe(true);

  // Signing up keeps what was done, through the front server's forwarding of the form (its Origin and Host).
  await page.goto(`${front.publicUrl}/signup`);
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText("ada@example.com");
  const session = (await page.context().cookies(front.publicUrl)).find((c) => c.name === "dockyard_session");
  expect(session).toMatchObject({ secure: true, httpOnly: true, domain: HOST });
  await removeLab(page.context());
});

test("plain HTTP is redirected to HTTPS; the lab-runner's API and admin routes are not on the public origin", async () => {
  const redirect = await front.request("/lessons/first-container?x=1", { plain: true });
  expect(redirect.status).toBe(308);
  expect(redirect.headers.location).toBe(`${front.publicUrl}/lessons/first-container?x=1`);

  // The lab-runner answers its admin API on its own port, to an admin token; through the public origin the same
  // requests reach the site, which has no such routes.
  const admin = { authorization: `Bearer ${issueAdminToken(stack.secret, { admin: "front-test" }, 60)}` };
  expect((await fetch(`${stack.runnerUrl}/admin/status`, { headers: admin })).status).toBe(200);
  for (const pathname of ["/admin/status", "/health", "/preview-certificate?domain=x", "/recordings/dy-00000000000000000000"]) {
    const through = await front.request(pathname, { headers: admin });
    expect(through.status, pathname).toBe(404);
    expect(through.body, pathname).not.toMatch(/"ok":true|"labs":/);
  }
  // The terminal's path is the lab-runner's only for a WebSocket upgrade.
  expect((await front.request("/sandboxes/dy-00000000000000000000/terminal")).status).toBe(404);
  // Nor is a made-up preview host name served (the lab-runner refuses it a certificate), nor /preview/ on the public origin.
  await expect(front.request("/", { host: `dy-00000000000000000000-node1-8080.${PREVIEW_DOMAIN}` })).rejects.toThrow();
  expect((await front.request("/preview/dy-00000000000000000000/node1/8080/index.html")).status).toBe(404);
});

// The learner's page: its script tries to read Dockyard's session cookie and to use Dockyard's API with the
// learner's credentials (remove the lab, read a file of it, suspend it with a request that needs no preflight).
const HOSTILE_PAGE = `<!doctype html><title>learner's page</title><pre id="out">running</pre>
<script>
const api = "https://${HOST}:3463/api/labs/${LESSON}";
const out = { cookie: document.cookie };
async function attempt(name, url, init) {
  try {
    const res = await fetch(url, { credentials: "include", ...init });
    out[name] = res.type === "opaque" ? "opaque" : "answered " + res.status + ": " + (await res.text()).slice(0, 200);
  } catch (e) {
    out[name] = "failed: " + e.message;
  }
}
(async () => {
  await attempt("remove", api, { method: "DELETE" });
  await attempt("read", api + "/files?path=/etc/hostname");
  await attempt("suspend", api + "/suspend", { method: "POST", mode: "no-cors" });
  document.getElementById("out").textContent = JSON.stringify(out);
})();
</script>
`;

test("a preview runs on its own origin: its script cannot read Dockyard's cookie nor use Dockyard's API as the learner", async ({ page, context }) => {
  await page.goto(`${front.publicUrl}/lessons/${LESSON}`);
  await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
  await typeInTerminal(page, "mkdir -p /root/www; echo made-$((6*7))");
  await expect(terminalText(page)).toContainText("made-42");
  expect((await front.requestAs(context, `/api/labs/${LESSON}/files?path=/root/www/index.html`, { method: "PUT", body: HOSTILE_PAGE }))?.status).toBe(200);
  await typeInTerminal(page, "clear; docker run -d -p 8080:80 -v /root/www:/www busybox httpd -f -p 80 -h /www");

  const link = page.getByRole("link", { name: /Open port 8080/ });
  await expect(link).toBeVisible({ timeout: 30_000 });
  const [preview] = await Promise.all([context.waitForEvent("page"), link.click()]);
  await expect(preview.locator("#out")).not.toHaveText("running", { timeout: 30_000 });
  const previewOrigin = new URL(preview.url()).origin;
  expect(previewOrigin).toMatch(new RegExp(`^https://dy-[a-f0-9]+-node1-8080\\.${PREVIEW_DOMAIN.replace(/\./g, "\\.")}:3463$`));

  const tried = JSON.parse((await preview.locator("#out").textContent())!);
  expect(tried.cookie).not.toContain("dockyard_session");
  expect(tried.cookie).toBe(""); // the preview's own cookie is HttpOnly too
  expect(tried.remove).toMatch(/^failed: /); // refused by the browser: no CORS for another origin
  expect(tried.read).toMatch(/^failed: /);
  // (what the no-cors suspend got is opaque to the page either way: that the lab still runs, below, tells)

  // The preview's cookie is Secure and its host's own; the lab is still there and running, its file unread and kept.
  const previewCookie = (await context.cookies(previewOrigin)).find((c) => c.name === "dockyard_preview");
  expect(previewCookie).toMatchObject({ secure: true, httpOnly: true, domain: new URL(previewOrigin).hostname });
  await page.bringToFront();
  await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready");
  await typeInTerminal(page, "clear; echo still-$((6*7)); cat /root/www/index.html | head -c 15");
  await expect(terminalText(page)).toContainText("still-42");
  await expect(terminalText(page)).toContainText("<!doctype html>");
  await removeLab(context);
});

test("without a preview address the lesson page lists the ports published and says previews are off, with no link", async ({ page }) => {
  delete stack.env.DOCKYARD_PREVIEW_URL;
  await stack.stopSite();
  await stack.startSite();
  try {
    await page.goto(`${front.publicUrl}/lessons/${LESSON}`);
    await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
    await typeInTerminal(page, "clear; docker run -d -p 8080:80 busybox httpd -f -p 80");
    await expect(page.getByTestId("previews-off")).toContainText("8080 published, but web previews are off on this server", { timeout: 30_000 });
    await expect(page.getByRole("link", { name: /Open port/ })).toHaveCount(0);
    await removeLab(page.context());
  } finally {
    Object.assign(stack.env, front.stackEnv);
    await stack.stopSite();
    await stack.startSite();
  }
});
