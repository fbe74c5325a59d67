import http from "node:http";
import type { Browser, Page } from "@playwright/test";
import { Webhook } from "standardwebhooks";
import { test, expect } from "../support/csp";
import { projectDatabase, Stack } from "../support/stack";

// The webhook pages on the real stack, by keyboard: an admin is told in plain words why a URL is refused, adds an
// endpoint and is shown its secret once, sends a test event, reads in the delivery log that the receiver (here
// answering 503 to its first request) refused it, retries it now, and sees it delivered, verified with the secret
// shown. A cohort's instructor manages the cohort's endpoints on its page; another instructor cannot see them.

const PASSWORD = "correct horse battery";
const ADMIN = "root@example.com";
const RECEIVER_PORT = 9502;

let stack: Stack;
let cohort: string;
let receiver: http.Server;
const deliveries: { headers: Record<string, string>; body: string; status: number }[] = [];

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${stack.siteUrl}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Password").press("Enter");
  await expect(page.getByTestId("signed-in-as")).toContainText(email);
  return page;
}

test.describe("webhook pages", { tag: "@database" }, () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({}, testInfo) => {
    const database = projectDatabase(testInfo);
    stack = new Stack({
      name: `e2e-webhooks-${database}`,
      sitePort: 3570,
      runnerPort: 3571,
      database,
      // Loopback receivers allowed (the test's own); a failed delivery waits long enough for "Retry now" to matter.
      env: { DOCKYARD_OUTBOUND_ALLOW_PRIVATE: "1", DOCKYARD_OUTBOX_RETRY_SECONDS: "600", DOCKYARD_OUTBOX_POLL_SECONDS: "0.25" },
    });
    await stack.reset();
    stack.createAdmin(ADMIN, PASSWORD);
    const people = stack.seedPeople({
      accounts: [
        { email: "ida@example.com", password: PASSWORD, role: "instructor" },
        { email: "ian@example.com", password: PASSWORD, role: "instructor" },
      ],
      cohorts: [
        {
          name: "Spring",
          instructor: "ida@example.com",
          lessons: ["first-container"],
          dueAt: new Date(Date.now() + 86_400_000).toISOString(),
          students: [],
          graders: [],
        },
      ],
    });
    cohort = people.cohorts.Spring!;
    deliveries.length = 0;
    receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const status = deliveries.length === 0 ? 503 : 204;
        deliveries.push({ headers: req.headers as Record<string, string>, body, status });
        res.writeHead(status).end(status === 503 ? "down for maintenance" : "");
      });
    });
    await new Promise<void>((r) => receiver.listen(RECEIVER_PORT, "127.0.0.1", r));
    await stack.start();
  });
  test.afterAll(async () => {
    receiver?.close();
    await stack?.stop();
  });

  test("an admin adds an endpoint, sends a test event, and retries its refused delivery from the log", async ({ browser }) => {
    const admin = await signedIn(browser, ADMIN);
    await admin.goto(`${stack.siteUrl}/admin`);
    await admin.getByRole("link", { name: "Webhooks and their deliveries" }).click();
    await expect(admin.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
    const form = admin.getByRole("form", { name: "Add a webhook endpoint" });

    // The cloud metadata service is refused, and the form says why, on the URL field, which gets the focus.
    await form.getByLabel("URL").fill("http://169.254.169.254/latest/meta-data/");
    await form.getByLabel("URL").press("Enter");
    await expect(form.getByRole("alert")).toHaveText(/169\.254\.169\.254 is a link-local.*metadata service.*never sends to/);
    await expect(form.getByLabel("URL")).toBeFocused();
    await form.getByLabel("URL").fill("ftp://example.org/");
    await form.getByLabel("URL").press("Enter");
    await expect(form.getByRole("alert")).toHaveText("Only http:// and https:// URLs can be used, not ftp://.");

    const url = `http://127.0.0.1:${RECEIVER_PORT}/hooks`;
    await form.getByLabel("URL").fill(url);
    await form.getByLabel("Description (optional)").fill("analytics");
    await form.getByLabel("URL").press("Enter");
    const notice = form.getByTestId("form-notice");
    await expect(notice).toContainText("Its signing secret, shown only now");
    const secret = (await notice.textContent())!.match(/whsec_\S+/)![0];
    const endpoints = admin.getByTestId("webhook-endpoints");
    await expect(endpoints.getByRole("listitem")).toHaveCount(1);
    await expect(endpoints).toContainText(`Whole site · every event · analytics`);

    const sendTest = endpoints.getByRole("form", { name: `Send a test event to ${url}` });
    await sendTest.getByRole("button", { name: "Send test event" }).press("Enter");
    await expect(sendTest.getByTestId("form-notice")).toContainText("A webhook.test event is on its way");
    await endpoints.getByRole("link", { name: "Delivery log" }).press("Enter");
    await expect(admin.getByRole("heading", { name: "Delivery log" })).toBeVisible();
    const row = admin.getByTestId("delivery");
    await expect(async () => {
      await admin.reload();
      await expect(row).toContainText("503");
    }).toPass();
    await expect(row).toContainText("down for maintenance");
    await expect(row).toContainText("Next attempt");

    await row.getByRole("button", { name: "Retry now" }).press("Enter");
    await expect(row.getByTestId("form-notice")).toHaveText("It is sent again now.");
    await expect(async () => {
      await admin.reload();
      await expect(row).toContainText("Delivered");
    }).toPass();
    await expect(row).toContainText("204");
    expect(deliveries.map((d) => d.status)).toEqual([503, 204]);
    // Both attempts carry the same webhook-id, and verify with the secret the page showed once.
    const [first, second] = deliveries;
    expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    await expect(row).toContainText(second!.headers["webhook-id"]!);
    expect(new Webhook(secret).verify(second!.body, second!.headers)).toMatchObject({ type: "webhook.test" });
    await admin.goto(`${stack.siteUrl}/admin/webhooks`);
    await expect(admin.getByText(secret)).toHaveCount(0);
  });

  test("a cohort's instructor manages its endpoints on its page; another instructor cannot see them; disable and delete", async ({ browser }) => {
    const ida = await signedIn(browser, "ida@example.com");
    await ida.goto(`${stack.siteUrl}/cohorts/${cohort}`);
    const section = ida.getByRole("region", { name: "Webhooks" });
    await expect(section).toContainText("No endpoints yet.");
    const form = section.getByRole("form", { name: "Add a webhook endpoint" });
    await form.getByLabel("URL").fill(`http://127.0.0.1:${RECEIVER_PORT}/spring`);
    await form.getByRole("checkbox", { name: "step.passed" }).check();
    await form.getByRole("checkbox", { name: "lesson.completed" }).check();
    await form.getByLabel("URL").press("Enter");
    await expect(form.getByTestId("form-notice")).toContainText("whsec_");
    const endpoints = section.getByTestId("webhook-endpoints");
    await expect(endpoints).toContainText("step.passed, lesson.completed");
    const log = await endpoints.getByRole("link", { name: "Delivery log" }).getAttribute("href");

    // Ian teaches another cohort: neither this cohort's webhooks nor their log, nor the site's.
    const ian = await signedIn(browser, "ian@example.com");
    expect((await ian.goto(`${stack.siteUrl}${log}`))!.status()).toBe(403);
    expect((await ian.goto(`${stack.siteUrl}/admin/webhooks`))!.status()).toBe(403);
    expect((await ida.request.get(`${stack.siteUrl}${log}`)).status()).toBe(200);

    await endpoints.getByRole("button", { name: "Disable" }).press("Enter");
    await expect(endpoints).toContainText("disabled since");
    await expect(endpoints.getByRole("button", { name: "Send test event" })).toHaveCount(0);
    await endpoints.getByRole("button", { name: "Delete" }).press("Enter");
    await expect(section).toContainText("No endpoints yet.");
  });
});
