import fs from "node:fs";
import path from "node:path";
import { findLesson, isLessonSlug, LESSON_FILE, type Lesson } from "@dockyard/contract/server";

// The lessons as the lab-runner reads them on every check, terminal and step change: each parsed once, and again
// only when its file changes (so an edited lesson applies from the next request, as when every request parsed it).
// Parsing a lesson's Markdown takes tens of milliseconds of the one event loop every terminal's echo shares: a
// class's automatic checks each parsed it (measured with `npm run bench:class`).

export function lessonReader(contentDir: string): (slug: string) => Lesson | undefined {
  const parsed = new Map<string, { stamp: string; lesson: Lesson | undefined }>();
  return (slug) => {
    if (!isLessonSlug(slug)) return undefined;
    let stamp: string;
    try {
      const stat = fs.statSync(path.join(contentDir, "lessons", slug, LESSON_FILE));
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      parsed.delete(slug);
      return findLesson(contentDir, slug);
    }
    const known = parsed.get(slug);
    if (known?.stamp === stamp) return known.lesson;
    const lesson = findLesson(contentDir, slug); // a broken lesson throws, and is read again next time
    parsed.set(slug, { stamp, lesson });
    return lesson;
  };
}
