import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";
import { LtiPlatform, ROLE, toolUrls, type PlatformRegistration } from "../support/lms";

// LTI in a real browser (chromium) against the real platform (tests/support/lti-platform/): an admin registers
// platforms on the admin page, and an instructor's Deep Linking launch runs through login initiation, the
// platform's auto-posted launch, the lesson picker (used with the keyboard) and Dockyard's auto-posted response,
// under the site's Content-Security-Policy (the csp fixture fails the test on any violation).

const ADMIN = { email: "admin@localhost", password: "the admin's own password" };
let stack: Stack;
const lms = new LtiPlatform();

test.describe("LTI 1.3 in the browser", () => {
  test.describe.configure({ mode: "serial" });
  let canvas: PlatformRegistration;

  test.beforeAll(async () => {
    stack = new Stack({ name: "e2e-lti", sitePort: 3710, runnerPort: 3711, env: { DOCKYARD_OUTBOUND_ALLOW_PRIVATE: "1" } }); // the LMS is on loopback
    await stack.reset();
    stack.createAdmin(ADMIN.email, ADMIN.password);
    await Promise.all([stack.startSite(), lms.start()]);
    canvas = await lms.createPlatform("canvas", toolUrls(stack.siteUrl));
  });
  test.afterAll(async () => {
    await Promise.all([lms.stop(), stack?.stop()]);
  });

  test("an admin adds two platforms by hand, sees Dockyard's addresses, and removes one", async ({ page }) => {
    await page.goto(`${stack.siteUrl}/signin`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-as")).toContainText(ADMIN.email);
    await page.goto(`${stack.siteUrl}/admin`);
    await page.getByRole("link", { name: "LTI platforms (LMS)" }).click();
    await expect(page.getByText(`${stack.siteUrl}/lti/jwks`)).toBeVisible();

    const sakai = await lms.createPlatform("sakai", toolUrls(stack.siteUrl));
    const form = page.getByRole("form", { name: "Add a platform" });
    const add = async (name: string, p: PlatformRegistration) => {
      await form.getByLabel("Name").fill(name);
      await form.getByLabel("Issuer (iss)").fill(p.issuer);
      await form.getByLabel("Client id").fill(p.clientId);
      await form.getByLabel("Deployment ids").fill(p.deploymentId);
      await form.getByLabel("Authentication (OIDC login) URL").fill(p.authLoginUrl);
      await form.getByLabel("Access token URL").fill(p.authTokenUrl);
      await form.getByLabel("Public keyset (JWKS) URL").fill(p.jwksUrl);
      await form.getByRole("button", { name: "Add platform" }).click();
    };
    await add("Canvas (test)", canvas);
    await expect(form.getByTestId("form-notice")).toHaveText("Added Canvas (test): its courses can now launch Dockyard.");
    await add("Sakai (test)", sakai);
    await expect(form.getByTestId("form-notice")).toHaveText("Added Sakai (test): its courses can now launch Dockyard.");
    await expect(page.getByRole("row", { name: /Canvas \(test\)/ })).toContainText(canvas.clientId);
    await expect(page.getByRole("row", { name: /Sakai \(test\)/ })).toContainText(sakai.deploymentId);

    await add("Canvas again", canvas);
    await expect(form.getByText(`Client id ${canvas.clientId} of ${canvas.issuer} is registered already.`)).toBeVisible();

    await page.getByRole("button", { name: "Remove Sakai (test)" }).click();
    await expect(page.getByRole("row", { name: /Sakai \(test\)/ })).toHaveCount(0);
    await expect(page.getByRole("row", { name: /Canvas \(test\)/ })).toBeVisible();
  });

  test("an instructor picks two lessons with the keyboard and the LMS receives them", async ({ page }) => {
    const { url } = await lms.setUpLaunch({
      platform: "canvas",
      messageType: "LtiDeepLinkingRequest",
      user: { id: "teacher-1", email: "teacher-1@school.example", name: "Teacher" },
      roles: [ROLE.instructor],
      context: { id: "course-1", title: "Containers 101" },
    });
    await page.goto(url);
    await expect(page.getByRole("heading", { name: "Add Dockyard lessons" })).toBeVisible();
    await expect(page.getByTestId("signed-in-as")).toContainText("teacher-1@school.example");

    await page.getByRole("checkbox", { name: /Your first container/ }).focus();
    await page.keyboard.press("Space");
    await page.getByRole("checkbox", { name: /Volumes/ }).focus();
    await page.keyboard.press("Space");
    await page.getByRole("button", { name: "Add to the course" }).focus();
    await page.keyboard.press("Enter");

    await expect(page.getByText("Added 2 item(s).")).toBeVisible();
    expect(new URL(page.url()).origin).toBe(lms.url);
    const [received] = (await lms.records()).deepLinks;
    expect((received!.items as { custom: { lesson: string } }[]).map((i) => i.custom.lesson)).toEqual(["first-container", "volumes"]);
  });
});
