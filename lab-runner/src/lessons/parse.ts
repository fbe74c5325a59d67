import fs from "node:fs";
import path from "node:path";
import { unified } from "unified";
import remarkParse from "remark-parse";
import remarkMdx from "remark-mdx";
import remarkFrontmatter from "remark-frontmatter";
import { visit } from "unist-util-visit";
import YAML from "yaml";
import type { Code, Root, RootContent } from "mdast";
import type { MdxJsxFlowElement } from "mdast-util-mdx-jsx";
import type { ZodError } from "zod";
import { checkBlockSchema, frontmatterSchema, LessonError, type Lesson, type Step } from "./schema";

// The one place lesson files are read and understood. A lesson is content/lessons/<slug>/lesson.mdx: YAML
// frontmatter, then MDX prose with <Step id="…" title="…"> sections holding runnable ```sh run blocks and
// ```check blocks (YAML) that the lab-runner judges.

export const LESSON_FILE = "lesson.mdx";
const SLUG = /^[a-z0-9][a-z0-9-]*$/;

const zodDetail = (error: ZodError) =>
  error.issues.map((i) => `${i.path.length ? i.path.join(".") + ": " : ""}${i.message}`).join("; ");

function attribute(node: MdxJsxFlowElement, name: string, file: string): string {
  const attr = node.attributes.find((a) => a.type === "mdxJsxAttribute" && a.name === name);
  if (!attr || typeof attr.value !== "string" || !attr.value.trim())
    throw new LessonError(file, node.position?.start.line, `<${node.name}> needs a ${name}="…" attribute`);
  return attr.value;
}

export const isRunnable = (node: Code) => (node.meta ?? "").split(/\s+/).includes("run");

function parseStep(node: MdxJsxFlowElement, file: string): Step {
  const id = attribute(node, "id", file);
  if (!SLUG.test(id)) throw new LessonError(file, node.position?.start.line, `step id "${id}" must be lowercase letters, digits and dashes`);
  const step: Step = { id, title: attribute(node, "title", file), checks: [], commands: [] };
  visit(node, "code", (code: Code) => {
    const line = code.position?.start.line;
    if (code.lang === "check") {
      let raw: unknown;
      try {
        raw = YAML.parse(code.value);
      } catch (e) {
        throw new LessonError(file, line, `check block is not valid YAML: ${(e as Error).message}`);
      }
      const parsed = checkBlockSchema.safeParse(raw);
      if (!parsed.success) throw new LessonError(file, line, `invalid check: ${zodDetail(parsed.error)}`);
      step.checks.push(...parsed.data);
    } else if (isRunnable(code)) {
      step.commands.push(code.value.trim());
    }
  });
  return step;
}

export function parseLesson(source: string, file: string, slug: string): Lesson {
  if (!SLUG.test(slug)) throw new LessonError(file, undefined, `lesson folder "${slug}" must be lowercase letters, digits and dashes`);
  let tree: Root;
  try {
    tree = unified().use(remarkParse).use(remarkMdx).use(remarkFrontmatter, ["yaml"]).parse(source) as Root;
  } catch (e) {
    const err = e as { line?: number; place?: { line?: number }; reason?: string; message: string };
    throw new LessonError(file, err.line ?? err.place?.line, `MDX syntax error: ${err.reason ?? err.message}`);
  }
  const yamlNode = tree.children.find((n): n is Extract<RootContent, { type: "yaml" }> => n.type === "yaml");
  if (!yamlNode) throw new LessonError(file, 1, "the lesson must start with --- frontmatter ---");
  let raw: unknown;
  try {
    raw = YAML.parse(yamlNode.value);
  } catch (e) {
    throw new LessonError(file, yamlNode.position?.start.line, `frontmatter is not valid YAML: ${(e as Error).message}`);
  }
  const front = frontmatterSchema.safeParse(raw);
  if (!front.success) throw new LessonError(file, yamlNode.position?.start.line, `invalid frontmatter: ${zodDetail(front.error)}`);

  const steps: Step[] = [];
  visit(tree, "mdxJsxFlowElement", (node: MdxJsxFlowElement) => {
    if (node.name !== "Step") return;
    const step = parseStep(node, file);
    if (steps.some((s) => s.id === step.id)) throw new LessonError(file, node.position?.start.line, `duplicate step id "${step.id}"`);
    steps.push(step);
    return "skip";
  });
  if (!steps.length) throw new LessonError(file, undefined, "a lesson needs at least one <Step>");
  return { ...front.data, slug, file, source, steps };
}

export interface LessonCatalog {
  lessons: Lesson[];
  errors: LessonError[];
}

/** Reads every lesson; a broken one is reported in `errors` and never hides the others. */
export function loadLessons(contentDir: string): LessonCatalog {
  const root = path.join(contentDir, "lessons");
  const lessons: Lesson[] = [];
  const errors: LessonError[] = [];
  const folders = fs.existsSync(root) ? fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()) : [];
  for (const dir of folders) {
    const file = path.join(root, dir.name, LESSON_FILE);
    try {
      lessons.push(parseLesson(fs.readFileSync(file, "utf8"), file, dir.name));
    } catch (e) {
      errors.push(e instanceof LessonError ? e : new LessonError(file, undefined, (e as Error).message));
    }
  }
  lessons.sort((a, b) => a.order - b.order || a.slug.localeCompare(b.slug));
  return { lessons, errors };
}

export function findLesson(contentDir: string, slug: string): Lesson | undefined {
  if (!SLUG.test(slug)) return undefined;
  const file = path.join(contentDir, "lessons", slug, LESSON_FILE);
  if (!fs.existsSync(file)) return undefined;
  return parseLesson(fs.readFileSync(file, "utf8"), file, slug);
}
