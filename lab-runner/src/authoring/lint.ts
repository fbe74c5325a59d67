import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { sameImage } from "../checks/container";
import { type Check, LESSON_FILE, loadLessons, relativeAsset, isGraded, type Lesson, type SetupScript } from "@dockyard/contract/server";
import { imagesCreatedBy } from "./image-refs";
import { SourceLines } from "./source-lines";

// What `npm run lessons:lint` finds wrong in the content directory, beyond what the parser rejects: images this
// installation does not have, checks about images nothing makes, unknown prerequisites, clashing orders, broken
// links, setup scripts bash cannot parse, lesson files that are not in the lesson's folder, and steps lessons:test
// cannot prove or the learner cannot complete.

export interface LintProblem {
  file: string;
  line: number | undefined;
  message: string;
  severity: "error" | "warning";
}

/** What this installation gives a lesson's `images:` beyond content/images (which scripts/images.sh builds). */
export interface ImageAvailability {
  /** Whether this host has the image's tar: built before, or loaded from a bundle (scripts/images.sh load). */
  loaded(image: string): boolean;
  /** Whether a registry mirror is configured, through which a node pulls what it has no tar of. */
  mirror: boolean;
}

/** A machine with nothing beyond its content directory (as where lessons are written). */
export const CONTENT_ONLY: ImageAvailability = { loaded: () => false, mirror: false };

interface Course {
  contentDir: string;
  images: ImageAvailability;
  /** Every lesson folder, parsed or not (a broken prerequisite is reported by its own lesson). */
  slugs: Set<string>;
  parsed: Map<string, Lesson>;
}

/** The image names a check asks about. */
function imagesCheckedBy(check: Check): string[] {
  if (check.kind === "container") return check.image ? [check.image] : [];
  if (check.kind === "image") return [check.name, ...(typeof check.smallerThan === "object" ? [check.smallerThan.image] : [])];
  return [];
}

function lintLesson(lesson: Lesson, course: Course): LintProblem[] {
  const problems: LintProblem[] = [];
  const lines = new SourceLines(lesson.source);
  const error = (line: number | undefined, message: string) => problems.push({ file: lesson.file, line, message, severity: "error" });

  for (const image of lesson.images)
    if (
      !fs.statSync(path.join(course.contentDir, "images", image), { throwIfNoEntry: false })?.isDirectory() &&
      !course.images.loaded(image) &&
      !course.images.mirror
    )
      error(
        lines.frontmatter("images", image),
        `image “${image}” is not available on this installation: no folder content/images/${image}/ builds it, no bundle loaded it (scripts/images.sh load), and no registry mirror is configured (DOCKYARD_REGISTRY_MIRROR_UPSTREAM)`,
      );

  for (const slug of lesson.prerequisites)
    if (!course.slugs.has(slug)) error(lines.frontmatter("prerequisites", slug), `prerequisite “${slug}” is not a lesson`);

  for (const file of lesson.files ?? []) {
    const missing = missingAsset(path.dirname(lesson.file), file.source);
    if (missing) error(lines.frontmatter("files", file.source), `lesson file “${file.source}”: ${missing}`);
  }
  for (const script of [...(lesson.setup ?? []), ...lesson.steps.flatMap((s) => s.setup ?? [])]) {
    const wrong = bashSyntaxError(script);
    if (wrong) error(script.line, `setup block: bash cannot parse it: ${wrong}`);
  }

  const made: string[] = [...lesson.images];
  for (const step of lesson.steps) {
    const stepLine = lines.step(step.id);
    made.push(...imagesCreatedBy([...step.commands, ...step.solution]));
    for (const image of step.checks.flatMap(imagesCheckedBy))
      if (!made.some((m) => sameImage(m, image)))
        error(
          lines.stepValue(stepLine, image.replace(/:latest$/, "")),
          `step “${step.id}” checks the image “${image}”, which the lesson neither loads (frontmatter images) nor creates by this step (docker build -t, tag, commit, pull)`,
        );
    if (step.checks.length && !step.solution.length)
      error(stepLine, `step “${step.id}” has checks but no solution (a <Solution> or \`\`\`sh run blocks), so lessons:test cannot prove it can be passed`);
    if (!isGraded(step))
      problems.push({
        file: lesson.file,
        line: stepLine,
        message: `step “${step.id}” has neither a check nor a quiz: nothing tells the learner it is done`,
        severity: "warning",
      });
  }

  for (const link of lesson.links) {
    const broken = brokenLink(link.url, lesson, course);
    if (broken) error(link.line, `broken link “${link.url}”: ${broken}`);
  }
  return problems;
}

/** What `bash -n` says about a setup script (its "line N" counts from the block's first line), or undefined. */
function bashSyntaxError(script: SetupScript): string | undefined {
  const result = spawnSync("bash", ["-n"], { input: script.script, encoding: "utf8" });
  if (result.error) throw result.error;
  if (result.status === 0) return undefined;
  return result.stderr
    .trim()
    .split("\n")
    .map((l) => l.replace(/^bash: /, ""))
    .join("; ");
}

/** Why a link in the lesson leads nowhere, or undefined when it is fine (web links are not fetched). */
function brokenLink(url: string, lesson: Lesson, course: Course): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return undefined;
  if (url.startsWith("#")) return missingStep(lesson, url.slice(1));
  const asset = relativeAsset(url);
  if (asset !== undefined) return missingAsset(path.dirname(lesson.file), asset);
  const page = /^\/lessons\/([^/?#]+)(\/assets\/[^?#]+)?(?:\?[^#]*)?(?:#(.*))?$/.exec(url);
  if (!page) return url.startsWith("/lessons/") ? "no such page (lessons are /lessons/<slug>)" : undefined;
  const [, slug, assetPath, anchor] = page;
  if (!course.slugs.has(slug!)) return `there is no lesson “${slug}”`;
  if (assetPath) return missingAsset(path.join(course.contentDir, "lessons", slug!), assetPath.slice("/assets/".length));
  const target = course.parsed.get(slug!);
  return anchor !== undefined && target ? missingStep(target, anchor) : undefined;
}

/** Steps are the only anchors a lesson page has: #step-<id>. */
function missingStep(lesson: Lesson, anchor: string): string | undefined {
  const id = anchor.startsWith("step-") ? anchor.slice("step-".length) : undefined;
  if (id !== undefined && lesson.steps.some((s) => s.id === id)) return undefined;
  return `lesson “${lesson.slug}” has no anchor #${anchor} (its anchors are ${lesson.steps.map((s) => `#step-${s.id}`).join(", ")})`;
}

function missingAsset(lessonFolder: string, asset: string): string | undefined {
  const folder = path.resolve(lessonFolder);
  let relative: string;
  try {
    relative = decodeURIComponent(asset);
  } catch {
    return "not a valid URL path";
  }
  const file = path.resolve(folder, relative);
  if (!file.startsWith(folder + path.sep)) return "it points outside the lesson's folder";
  if (path.basename(file) === LESSON_FILE) return "the lesson source itself is never served";
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return `no file ${path.relative(folder, file)} in the lesson's folder`;
  if (!fs.realpathSync(file).startsWith(fs.realpathSync(folder) + path.sep)) return "it is a link to a file outside the lesson's folder";
  return undefined;
}

function duplicateOrders(lessons: Lesson[]): LintProblem[] {
  return lessons.flatMap((lesson) => {
    const others = lessons.filter((l) => l !== lesson && l.order === lesson.order).map((l) => l.slug);
    if (!others.length) return [];
    const line = new SourceLines(lesson.source).frontmatter("order");
    return [{ file: lesson.file, line, message: `order ${lesson.order} is also the order of ${others.join(", ")}`, severity: "error" as const }];
  });
}

/**
 * Every problem in a content directory (content/lessons/<slug>/lesson.mdx, content/images/<name>/), by file and line;
 * a lesson's images are looked for there and in what this installation has besides.
 */
export function lintContent(contentDir: string, images: ImageAvailability = CONTENT_ONLY): LintProblem[] {
  const lessonsDir = path.join(contentDir, "lessons");
  const { lessons, errors } = loadLessons(contentDir);
  const folders = fs.existsSync(lessonsDir) ? fs.readdirSync(lessonsDir, { withFileTypes: true }).filter((d) => d.isDirectory()) : [];
  if (!folders.length) return [{ file: lessonsDir, line: undefined, message: "no lessons found", severity: "error" }];
  const course: Course = { contentDir, images, slugs: new Set(folders.map((d) => d.name)), parsed: new Map(lessons.map((l) => [l.slug, l])) };
  const problems: LintProblem[] = [
    ...errors.map((e) => ({ file: e.file, line: e.line, message: e.detail, severity: "error" as const })),
    ...lessons.flatMap((lesson) => lintLesson(lesson, course)),
    ...duplicateOrders(lessons),
  ];
  return problems.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
}
