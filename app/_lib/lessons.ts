import { cache } from "react";
import { contentDir, findLesson, loadLessons, LessonError, type Lesson } from "@dockyard/contract/server";

// The site's read access to content/. Files are read per request, so an edited lesson shows on reload.

export const catalog = cache(() => loadLessons(contentDir()));

export type LessonLookup = { lesson: Lesson } | { error: LessonError } | undefined;

export const lessonBySlug = cache((slug: string): LessonLookup => {
  try {
    const lesson = findLesson(contentDir(), slug);
    return lesson && { lesson };
  } catch (e) {
    if (e instanceof LessonError) return { error: e };
    throw e;
  }
});
