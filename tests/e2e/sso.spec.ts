import path from "node:path";
import type { Page } from "@playwright/test";
import { test, expect } from "../support/csp";
import { Hydra, ISSUER } from "../support/hydra";
import { Stack } from "../support/stack";
import { REFUSALS } from "@dockyard/contract";

// Signing in through the provider's real login page in a browser: Ory Hydra (tests/support/hydra.ts) and its login
// page, the real site. The button works from the keyboard, the provider's groups give the role, cancelling there
// ends on a page in plain words, and with password sign-in turned off the forms are gone and refused while an admin
// still gets in through the provider.

const NAME = "Example University";
const SITE_PORT = 3720;
const SITE = `http://127.0.0.1:${SITE_PORT}`;
const ADMIN = { email: "head@example.org", password: "the admin's own password" };

const hydra = new Hydra([
  { username: "ada", password: "ada's password", email: "ada@example.org", emailVerified: true, groups: ["instructors"] },
  { username: "gus", password: "gus's password", email: "gus@example.org", emailVerified: true, groups: ["graders"] },
  { username: "head", password: "head's password", email: ADMIN.email, emailVerified: true, groups: [] },
]);
let stack: Stack;

/** From Dockyard's sign-in page, with the keyboard: the button, then the provider's form. */
async function signInWithProvider(page: Page, username: string, action: "Log in" | "Cancel" = "Log in") {
  await page.goto(`${SITE}/signin`);
  const button = page.getByRole("link", { name: `Sign in with ${NAME}` });
  await button.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Example University sign-in" })).toBeVisible();
  expect(page.url().startsWith("http://127.0.0.1:4446/login?login_challenge=")).toBe(true);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(hydra.users.get(username)!.password);
  if (action === "Log in") await page.getByLabel("Password").press("Enter");
  else await page.getByRole("button", { name: "Cancel" }).click();
}

test.describe("single sign-on in the browser", () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async () => {
    stack = new Stack({
      name: "e2e-sso",
      sitePort: SITE_PORT,
      runnerPort: SITE_PORT + 1,
      env: { DOCKYARD_CONTENT_DIR: path.resolve("tests/fixtures/content"), DOCKYARD_PUBLIC_URL: SITE, DOCKYARD_OIDC_NAME: NAME },
    });
    await stack.reset();
    stack.createAdmin(ADMIN.email, ADMIN.password);
    await hydra.start();
    const client = await hydra.createClient("Dockyard", `${SITE}/auth/oidc/callback`);
    Object.assign(stack.env, { DOCKYARD_OIDC_ISSUER: ISSUER, DOCKYARD_OIDC_CLIENT_ID: client.clientId, DOCKYARD_OIDC_CLIENT_SECRET: client.clientSecret });
    await stack.startSite();
  });

  test.afterAll(async () => {
    await stack?.stop();
    await hydra.stop();
  });

  test("the button leads to the provider's login page and back, signed in with the role of the provider's groups", async ({ page }) => {
    await signInWithProvider(page, "ada");
    await expect(page).toHaveURL(`${SITE}/`);
    await expect(page.getByTestId("signed-in-as")).toHaveText(/^\s*ada@example\.org\s+instructor\s*$/);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
    await signInWithProvider(page, "gus");
    await expect(page.getByTestId("signed-in-as")).toHaveText(/^\s*gus@example\.org\s+grader\s*$/);
  });

  test("cancelling at the provider ends on a page that says so in plain words", async ({ page }) => {
    await signInWithProvider(page, "ada", "Cancel");
    await expect(page).toHaveURL(/\/auth\/oidc\/error\?reason=denied$/);
    await expect(page.getByRole("heading", { name: "Signing in did not work" })).toBeVisible();
    await expect(page.getByTestId("sso-problem")).toHaveText(
      `You cancelled signing in with ${NAME}, or ${NAME} did not allow it, so you were not signed in. Try again, or ask whoever runs ${NAME} for access.`,
    );
    await expect(page.getByRole("link", { name: `Try again with ${NAME}` })).toBeVisible();
    await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
  });

  test("with password sign-in off the forms are gone and refused, and the admin gets in through the provider", async ({ page }) => {
    await page.goto(`${SITE}/signin`);
    await expect(page.getByLabel("Password")).toBeVisible();
    stack.env.DOCKYARD_PASSWORD_SIGNIN = "off";
    await stack.restartSite();

    // The form this page still shows was loaded before: sending it now is refused, whatever the password.
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("form", { name: "Sign in" }).getByRole("alert")).toHaveText(REFUSALS.password_signin_off.message);
    await expect(page.getByTestId("signed-in-as")).toHaveCount(0);

    await page.goto(`${SITE}/signin`);
    await expect(page.getByLabel("Password")).toHaveCount(0);
    await expect(page.getByText("Signing in with a password is turned off on this site.")).toBeVisible();
    await expect(page.getByRole("link", { name: "Create an account" })).toHaveCount(0);
    await page.goto(`${SITE}/signup`);
    await expect(page.getByLabel("Password")).toHaveCount(0);
    await expect(page.getByRole("link", { name: `Sign in with ${NAME}` })).toBeVisible();

    await signInWithProvider(page, "head");
    await expect(page.getByTestId("signed-in-as")).toHaveText(/^\s*head@example\.org\s+admin\s*$/);
    await page.getByRole("link", { name: "Admin" }).click();
    await expect(page).toHaveURL(`${SITE}/admin`);
  });
});
