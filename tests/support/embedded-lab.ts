import { expect, type BrowserContext, type FrameLocator, type Page } from "@playwright/test";
import type { Front } from "./front";

// What the embedding and LTI-in-a-frame specs both do with a first-container lesson shown in another site's
// iframe: pass its first step from the frame, see that the frame's session is only the partitioned embed cookie,
// and remove the learner's lab afterwards.

/** Types the first step's command into the framed terminal and waits for the step to pass. */
export async function passFirstStepInFrame(page: Page, frame: FrameLocator): Promise<void> {
  await expect(frame.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });
  await frame.getByTestId("terminal").click();
  await page.keyboard.type("docker run busybox echo hello world");
  await page.keyboard.press("Enter");
  await expect(frame.getByTestId("terminal").locator(".xterm-rows")).toContainText("hello world", { timeout: 30_000 });
  await expect(frame.getByTestId("step-hello-busybox").getByTestId("check-passed")).toBeVisible({ timeout: 30_000 });
  await expect(frame.getByTestId("progress-count").first()).toContainText("1 /");
}

/** The frame's session is in its own cookie, partitioned under the framing page's site; Dockyard's own cookie was never set. */
export async function expectOnlyEmbedCookie(context: BrowserContext, front: Front, framingSite: string): Promise<void> {
  const cookies = await context.cookies(front.publicUrl);
  expect(cookies.map((c) => c.name)).toEqual(["__Host-dockyard_embed"]);
  expect(cookies[0]).toMatchObject({ secure: true, httpOnly: true, sameSite: "None", partitionKey: `https://${framingSite}` });
}

/** Removes the embedded learner's lab of `lesson`, from Node with the frame's cookie (nothing to remove without one). */
export async function removeFramedLab(context: BrowserContext, front: Front, lesson: string): Promise<void> {
  const removed = await front.requestAs(context, `/api/labs/${lesson}`, { method: "DELETE" });
  if (removed) expect(removed.status).toBe(200);
}
