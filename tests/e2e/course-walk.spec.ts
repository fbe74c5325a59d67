import { test, expect } from "../support/csp";
import { Stack } from "../support/stack";
import { loadLessons, contentDir } from "@dockyard/contract/server";

// A student walks one whole lesson of the real course by clicking its run blocks (and answering its quiz), and
// the course page counts the lesson as done.

const LESSON = "static-site";
let stack: Stack;

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  stack = new Stack({ name: "e2e-course-walk", sitePort: 3180, runnerPort: 3181 });
  await stack.reset();
  await stack.start();
});
test.afterAll(async () => {
  await stack.stop();
});

test("a student completes “A static web site in a tiny image” by clicking its run blocks", async ({ page }) => {
  const lesson = loadLessons(contentDir()).lessons.find((l) => l.slug === LESSON)!;
  await page.goto(stack.siteUrl);
  await page.getByRole("link", { name: new RegExp(lesson.title) }).click();
  await expect(page.getByTestId("lab-status")).toHaveAttribute("data-status", "ready", { timeout: 90_000 });

  for (const [index, step] of lesson.steps.entries()) {
    const section = page.getByTestId(`step-${step.id}`);
    if (step.quiz) {
      const quiz = page.getByTestId(`quiz-${step.id}`);
      for (const i of step.quiz.correct) await quiz.getByLabel(step.quiz.options[i]!).check();
      await quiz.getByRole("button", { name: "Check my answer" }).click();
    } else {
      const blocks = section.getByTestId("run-block");
      for (let i = 0; i < (await blocks.count()); i++) await blocks.nth(i).click();
    }
    await expect(section.getByTestId("check-passed"), `step ${step.id}`).toBeVisible({ timeout: 45_000 });
    await expect(page.getByTestId("progress-count")).toHaveText(`${index + 1} / ${lesson.steps.length} steps`);
  }

  await page.goto(stack.siteUrl);
  await expect(page.getByRole("link", { name: new RegExp(lesson.title) })).toContainText(`${lesson.steps.length} of ${lesson.steps.length} steps done`);
  await page.request.delete(`${stack.siteUrl}/api/labs/${LESSON}`);
});
