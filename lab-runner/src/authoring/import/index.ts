import fs from "node:fs";
import path from "node:path";
import { isLessonSlug, LESSON_FILE } from "@dockyard/contract/server";
import { courseItems, isCourse, type CourseItem } from "./course";
import { convertScenario, slugify } from "./lesson";
import { REPORT, reportText } from "./report";
import { ImportError, readScenario } from "./scenario";
import { type Changes, writeLesson } from "./write";

// `npm run import:killercoda -- <folder> [--out content/lessons/<slug>]`: a Killercoda/Katacoda scenario
// becomes a lesson folder (lesson.mdx, files/, import-report.md, import-manifest.json); a course (structure.json,
// or a folder of scenarios) becomes one lesson per scenario, each with the one before as prerequisite.

export { ImportError } from "./scenario";

export interface ImportOptions {
  /** A scenario: the lesson folder; a course: the folder receiving its lessons. */
  out?: string;
  /** Where lessons go without --out, and the course images are looked up (content/). */
  contentDir: string;
  /** Overwrite imported files the author edited since. */
  force?: boolean;
}

export interface ImportedLesson {
  slug: string;
  dir: string;
  report: string;
  changes: Changes;
}

const ORDER_STEP = 10;

const orderIn = (file: string) => {
  const m = fs.existsSync(file) ? /^order:\s*(\d+)\s*$/m.exec(fs.readFileSync(file, "utf8")) : null;
  return m ? Number(m[1]) : undefined;
};

/** The order after every other lesson's in the folder (lessons being imported excluded). */
function nextOrder(lessonsDir: string, exclude: string[]): number {
  const orders = fs.existsSync(lessonsDir)
    ? fs
        .readdirSync(lessonsDir)
        .filter((slug) => !exclude.includes(slug))
        .map((slug) => orderIn(path.join(lessonsDir, slug, LESSON_FILE)) ?? 0)
    : [];
  return Math.max(0, ...orders) + ORDER_STEP;
}

export function importKillercoda(folder: string, options: ImportOptions): ImportedLesson[] {
  if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new ImportError(folder, "no such folder");
  const course = isCourse(folder);
  const items: CourseItem[] = course ? courseItems(folder) : [{ folder }];
  if (!items.length) throw new ImportError(folder, "a course with no scenarios");
  const defaultLessons = path.join(options.contentDir, "lessons");
  const lessonsDir = path.resolve(course ? (options.out ?? defaultLessons) : options.out ? path.dirname(options.out) : defaultLessons);
  const contentDir = options.out ? path.dirname(lessonsDir) : options.contentDir;
  const slugs = items.map((item, i) => (!course && options.out ? path.basename(options.out) : slugify(path.basename(item.folder), `lesson-${i + 1}`)));
  for (const slug of slugs)
    if (!isLessonSlug(slug)) throw new ImportError(path.join(lessonsDir, slug), `“${slug}” is not a lesson folder name (lowercase letters, digits, dashes)`);
  if (new Set(slugs).size !== slugs.length) throw new ImportError(folder, `two scenarios would be the same lesson: ${slugs.join(", ")}`);

  let order = nextOrder(lessonsDir, slugs);
  // Everything is read and converted before anything is written: a broken scenario leaves the content as it was.
  const converted = items.map((item, i) => {
    const scenario = readScenario(item.folder);
    if (!scenario.steps.length) throw new ImportError(path.join(item.folder, "index.json"), "details.steps is empty: a lesson needs at least one step");
    const dir = path.join(lessonsDir, slugs[i]!);
    const lessonOrder = orderIn(path.join(dir, LESSON_FILE)) ?? order;
    order = Math.max(order, lessonOrder) + ORDER_STEP;
    const lesson = convertScenario(scenario, {
      contentDir,
      order: lessonOrder,
      prerequisites: i > 0 ? [slugs[i - 1]!] : [],
      title: item.title,
      summary: item.description,
    });
    const source = path.basename(item.folder);
    const report = reportText(item.title ?? scenario.title, source, lesson.notes.list, lesson.files);
    const outputs = new Map<string, string | Buffer>([
      [LESSON_FILE, lesson.mdx],
      [REPORT, report],
      ...lesson.files.map((f): [string, Buffer] => [f.source, fs.readFileSync(f.from)]),
    ]);
    return { slug: slugs[i]!, dir, source, report, outputs };
  });
  return converted.map(({ slug, dir, source, report, outputs }) => ({ slug, dir, report, changes: writeLesson(dir, source, outputs, options.force) }));
}
