import path from "node:path";
import { test, expect } from "@playwright/test";
import { CHROMIUM, chromiumArgs } from "../support/browser";
import { TOO_MANY, visitor, WRONG } from "../support/auth-forms";
import { Front } from "../support/front";
import { Stack } from "../support/stack";

// The limits' client address through the real front server (Caddy, scripts/front.sh, its CA trusted by the browser):
// what a browser writes in X-Forwarded-For itself is not believed, because the front server replaces it with the
// address it saw. So a client cannot pose as many addresses to get around the per-address limit.

const HOST = "dockyard.test";
const PASSWORD = "correct horse battery";
const stack = new Stack({
  name: "e2e-throttle-front",
  sitePort: 3350,
  runnerPort: 3351,
  env: { DOCKYARD_CONTENT_DIR: path.resolve("tests/fixtures/content"), DOCKYARD_SIGNIN_FAILURES_PER_ADDRESS: "3", DOCKYARD_AUTH_FIRST_WAIT_SECONDS: "300" },
});
const front = new Front(stack, { host: HOST, previewDomain: "preview.dockyard-preview.test", httpPort: 3352, httpsPort: 3353 });
Object.assign(stack.env, front.stackEnv);

test.use({
  launchOptions: { executablePath: CHROMIUM, args: chromiumArgs([HOST]), env: { ...(process.env as Record<string, string>), HOME: front.browserHome } },
});

test.beforeAll(async () => {
  await stack.reset();
  await stack.startSite();
  await front.start();
});
test.afterAll(async () => {
  await front.stop();
  await stack.stop();
});

test("through the front server, an address the browser makes up is replaced by its own: posing as others does not escape the limit", async ({ browser }) => {
  const first = await visitor(browser, front.publicUrl, "203.0.113.1", "signin");
  for (const who of ["a", "b", "c"]) expect(await first.submit(`${who}@example.com`, PASSWORD)).toBe(WRONG);
  expect(await first.submit("d@example.com", PASSWORD)).toBe(`${WRONG} Too many attempts: try again in 300 s.`);

  // Another made-up address, through the front server: the same client, so it waits too.
  const posing = await visitor(browser, front.publicUrl, "203.0.113.2", "signin");
  // (Had the front server passed the browser's header on, the site would key this one by 203.0.113.2, which has made
  // no attempt: tests/unit/client-key.test.ts. The site itself cannot be asked here: under DOCKYARD_PUBLIC_URL it
  // refuses a form posted from any other origin.)
  expect(await posing.submit("e@example.com", PASSWORD)).toMatch(TOO_MANY);
});
