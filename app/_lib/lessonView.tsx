import type { ReactNode } from "react";
import { isGraded, type Lesson } from "@dockyard/contract/server";
import { renderLesson } from "./mdx";
import { completedSteps, helpUsed } from "./progress";
import { currentViewer } from "./session";

// What a lesson's page shows the viewer, on Dockyard's own page (app/lessons/[slug]) and embedded (app/embed).

export interface LessonView {
  /** The lesson's text, its steps marked with what the learner has done and the help they used. */
  content: ReactNode;
  /** The ids of the steps with a check or a quiz, in the lesson's order, and those passed. */
  graded: string[];
  gradedPassed: string[];
}

/** `embedded`: for app/embed, in another site's frame. */
export async function lessonView(lesson: Lesson, { embedded = false } = {}): Promise<LessonView> {
  const { learnerId: learner } = await currentViewer();
  const passed = new Set((await completedSteps(learner, lesson.slug)).map((c) => c.stepId));
  const content = await renderLesson(lesson, { passed, help: await helpUsed(learner, lesson.slug) }, { embedded });
  const graded = lesson.steps.filter(isGraded).map((s) => s.id);
  return { content, graded, gradedPassed: graded.filter((id) => passed.has(id)) };
}
