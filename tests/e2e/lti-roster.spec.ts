import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";
import { LtiPlatform, ROLE } from "../support/lms";

// The roster of an LMS course on its cohort's page, in chromium: after the instructor's launch the page says when
// the roster came from the LMS and what the automatic sync did; "Sync roster" brings in who joined the course since.

let stack: Stack;
const lms = new LtiPlatform();
const course = { id: "course-9", title: "Containers 9" };
const member = (id: string, role: string) => ({ user_id: id, roles: [role], name: `Name of ${id}`, email: `${id}@school.example` });

async function setRoster(members: ReturnType<typeof member>[]) {
  const answer = await fetch(`${lms.url}/control/rosters`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ platform: "canvas", context: course, members, pageSize: 2 }),
  });
  expect(answer.ok).toBe(true);
}

test.describe("an LMS cohort's roster", () => {
  test.beforeAll(async () => {
    stack = new Stack({
      name: "e2e-lti-roster",
      sitePort: 3750,
      runnerPort: 3751,
      env: { DOCKYARD_OUTBOUND_ALLOW_PRIVATE: "1", DOCKYARD_OUTBOX_POLL_SECONDS: "1" },
    });
    await stack.reset();
    await Promise.all([stack.startSite(), lms.start()]);
    process.env.DOCKYARD_DATA_DIR = stack.dataDir; // this process registers the platform in the site's database
    await lms.createRegistered("canvas", stack.siteUrl);
  });
  test.afterAll(async () => {
    await Promise.all([lms.stop(), stack?.stop()]);
  });

  test("the instructor sees the automatic sync and syncs again with the button", async ({ page }) => {
    await setRoster([member("teacher-9", ROLE.instructor), member("ada", ROLE.learner)]);
    const { url } = await lms.setUpLaunch({
      platform: "canvas",
      user: { id: "teacher-9", email: "teacher-9@school.example" },
      roles: [ROLE.instructor],
      context: course,
      resourceLink: { id: "link-9" },
      presentation: "window", // a course link opening in its own window: the cohort's full page (framed, it would be /embed/courses)
    });
    await page.goto(url);
    await expect(page.getByTestId("signed-in-as")).toContainText("teacher-9@school.example");
    const cohort = new URL(page.url()).pathname;
    expect(cohort).toMatch(/^\/cohorts\/[\w-]+$/);

    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("roster-last")).toHaveText("The last automatic sync: The LMS lists 2 active members; 1 new member joined the cohort.", {
        timeout: 500,
      });
    }).toPass({ timeout: 15_000 });
    await expect(page.getByTestId("roster-synced")).toContainText("Last synced");
    await expect(page.getByTestId("roster")).toContainText("ada@school.example");

    await setRoster([member("teacher-9", ROLE.instructor), member("ada", ROLE.learner), member("cy", ROLE.learner), member("ta-9", ROLE.teachingAssistant)]);
    const sync = page.getByRole("form", { name: "Sync roster" });
    await sync.getByRole("button", { name: "Sync roster" }).focus();
    await page.keyboard.press("Enter");
    await expect(sync.getByTestId("form-notice")).toHaveText("The LMS lists 4 active members; 2 new members joined the cohort.");
    await page.reload();
    await expect(page.getByRole("row", { name: /cy@school\.example/ })).toContainText("student");
    await expect(page.getByRole("row", { name: /ta-9@school\.example/ })).toContainText("grader");
  });
});
