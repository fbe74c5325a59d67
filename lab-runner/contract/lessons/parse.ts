import fs from "node:fs";
import path from "node:path";
import { unified } from "unified";
import remarkParse from "remark-parse";
import remarkMdx from "remark-mdx";
import remarkFrontmatter from "remark-frontmatter";
import { visit } from "unist-util-visit";
import YAML from "yaml";
import { toString } from "mdast-util-to-string";
import type { Code, Link, Parent, Root, RootContent } from "mdast";
import type { MdxJsxFlowElement, MdxJsxTextElement } from "mdast-util-mdx-jsx";
import type { Node } from "unist";
import type { ZodError } from "zod";
import { checkBlockSchema } from "./checks";
import { isKubernetesCheck } from "./kubernetes-checks";
import { frontmatterSchema, LessonError, type Lesson, type LessonLink, type Quiz, type SetupScript, type Step } from "./schema";
import { isSetupBlock, parseSetupBlock, resolveFiles } from "./setup-blocks";
import { isLessonSlug, isStepId, nodeNames } from "../ids";

// The one place lesson files are read and understood. A lesson is content/lessons/<slug>/lesson.mdx (and its
// assets beside it): YAML frontmatter, then MDX prose with <Step id="…" title="…"> sections (with node="node2" a step's commands run on that node). A step holds
// ```sh run blocks (click to run; ```sh run interrupt presses Ctrl-C first), ```check blocks (YAML) the lab-runner judges, <Hint>s, a <Solution>, a
// <Quiz> of <Option>s, and ```sh wrong blocks: known-wrong answers that lessons:test proves the checks reject.
// ```sh setup blocks prepare the lab (before the first <Step>) or a step (inside it); see setup-blocks.ts.

export const LESSON_FILE = "lesson.mdx";

const zodDetail = (error: ZodError) => error.issues.map((i) => `${i.path.length ? i.path.join(".") + ": " : ""}${i.message}`).join("; ");

type Element = MdxJsxFlowElement | MdxJsxTextElement;

/** Components an author may use; lowercase HTML elements are allowed too. */
const COMPONENTS = ["Step", "Hint", "Solution", "Quiz", "Option"] as const;
/** Where each component may appear (its closest enclosing component). */
const PARENTS: Record<string, string | undefined> = { Step: undefined, Hint: "Step", Solution: "Step", Quiz: "Step", Option: "Quiz" };

const lineOf = (node: { position?: { start: { line: number } } }) => node.position?.start.line;
export const isElement = (node: Node): node is Element => node.type === "mdxJsxFlowElement" || node.type === "mdxJsxTextElement";

function attribute(node: Element, name: string, file: string): string {
  const attr = node.attributes.find((a) => a.type === "mdxJsxAttribute" && a.name === name);
  if (!attr || typeof attr.value !== "string" || !attr.value.trim()) throw new LessonError(file, lineOf(node), `<${node.name}> needs a ${name}="…" attribute`);
  return attr.value;
}

const hasFlag = (node: Element, name: string) => node.attributes.some((a) => a.type === "mdxJsxAttribute" && a.name === name);

function optionalAttribute(node: Element, name: string, file: string): string | undefined {
  return hasFlag(node, name) ? attribute(node, name, file) : undefined;
}

/** A link to a file beside the lesson (not a URL, an absolute path or an anchor), normalised; else undefined. */
export function relativeAsset(url: string): string | undefined {
  if (/^([a-z][a-z0-9+.-]*:|\/|#)/i.test(url)) return undefined;
  return path.posix.normalize(url.split(/[?#]/)[0]!);
}

const codeFlags = (node: Code) => (node.meta ?? "").split(/\s+/);
export const isRunnable = (node: Code) => codeFlags(node).includes("run");
/** ```sh run interrupt: Ctrl-C is pressed first, to stop what runs in the terminal (Killercoda's {{exec interrupt}}). */
export const isInterrupting = (node: Code) => isRunnable(node) && codeFlags(node).includes("interrupt");
const isWrongAnswer = (node: Code) => codeFlags(node).includes("wrong");
const isShell = (node: Code) => ["sh", "bash", "shell", "console"].includes(node.lang ?? "");

/**
 * Lessons are data: no imports, exports or JavaScript expressions (the site renders them on the server), and
 * only Dockyard's components, each in its place.
 */
function checkStructure(tree: Root, file: string): void {
  const walk = (node: Node, parent: string | undefined) => {
    if (node.type === "mdxjsEsm") throw new LessonError(file, lineOf(node), "imports and exports are not allowed in a lesson");
    if (node.type === "mdxFlowExpression" || node.type === "mdxTextExpression")
      throw new LessonError(file, lineOf(node), "JavaScript expressions {…} are not allowed in a lesson (write \\{ for a brace)");
    let inside = parent;
    if (isElement(node) && node.name) {
      if (/^[A-Z]/.test(node.name)) {
        if (!(COMPONENTS as readonly string[]).includes(node.name))
          throw new LessonError(file, lineOf(node), `unknown component <${node.name}> (lessons may use ${COMPONENTS.map((c) => `<${c}>`).join(", ")})`);
        const wanted = PARENTS[node.name];
        if (wanted !== parent)
          throw new LessonError(file, lineOf(node), wanted ? `<${node.name}> belongs inside a <${wanted}>` : `<${node.name}> cannot be inside a <${parent}>`);
        inside = node.name;
      }
      for (const attr of node.attributes)
        if (attr.type !== "mdxJsxAttribute" || (attr.value !== null && typeof attr.value !== "string"))
          throw new LessonError(file, lineOf(node), `<${node.name}>: attributes must be plain text, like name="value"`);
    }
    for (const child of (node as Parent).children ?? []) walk(child, inside);
  };
  walk(tree, undefined);
}

function parseQuiz(node: Element, file: string): Quiz {
  const question = attribute(node, "question", file);
  // Options on consecutive lines arrive as inline elements inside one paragraph.
  const options: Element[] = [];
  visit(node, (n) => {
    if (n !== node && isElement(n) && n.name === "Option") options.push(n);
  });
  const quiz: Quiz = { question, options: options.map((o) => toString(o).trim()), correct: [] };
  options.forEach((o, i) => hasFlag(o, "correct") && quiz.correct.push(i));
  if (quiz.options.length < 2) throw new LessonError(file, lineOf(node), "a <Quiz> needs at least two <Option>s");
  if (quiz.options.some((o) => !o)) throw new LessonError(file, lineOf(node), "every <Option> needs text");
  if (!quiz.correct.length) throw new LessonError(file, lineOf(node), "mark the right answer(s) with <Option correct>");
  return quiz;
}

/** What a lesson's lab has (frontmatter nodes, registry and kubernetes), which its steps and checks may name. */
interface Lab {
  nodes: string[];
  registry: boolean;
  kubernetes: boolean;
}

function parseCheck(code: Code, file: string, lab: Lab) {
  let raw: unknown;
  try {
    raw = YAML.parse(code.value);
  } catch (e) {
    throw new LessonError(file, lineOf(code), `check block is not valid YAML: ${(e as Error).message}`);
  }
  const parsed = checkBlockSchema.safeParse(raw);
  if (!parsed.success) throw new LessonError(file, lineOf(code), `invalid check: ${zodDetail(parsed.error)}`);
  for (const check of parsed.data) {
    if ("node" in check && check.node && !lab.nodes.includes(check.node))
      throw new LessonError(
        file,
        lineOf(code),
        `invalid check: node: ${check.node} is not a node of this lab (it has ${lab.nodes.join(", ")}; see frontmatter nodes)`,
      );
    if (check.kind === "registry" && !lab.registry)
      throw new LessonError(file, lineOf(code), "invalid check: a registry check needs `registry: true` in the frontmatter");
    if (isKubernetesCheck(check) && !lab.kubernetes)
      throw new LessonError(
        file,
        lineOf(code),
        `invalid check: a ${check.kind} check reads the lab's cluster, so the lesson needs \`kubernetes: true\` in the frontmatter`,
      );
  }
  return parsed.data;
}

function parseStep(node: Element, file: string, lab: Lab): Step {
  const id = attribute(node, "id", file);
  if (!isStepId(id)) throw new LessonError(file, lineOf(node), `step id "${id}" must be 1–64 lowercase letters, digits and dashes`);
  const on = optionalAttribute(node, "node", file);
  if (on !== undefined && !lab.nodes.includes(on))
    throw new LessonError(file, lineOf(node), `step "${id}": node="${on}" is not a node of this lab (it has ${lab.nodes.join(", ")}; see frontmatter nodes)`);
  const step: Step = { id, title: attribute(node, "title", file), ...(on && { node: on }), checks: [], commands: [], solution: [], wrong: [], hints: 0 };
  const solution: string[] = [];
  const setup: SetupScript[] = [];
  let hasSolution = false;
  const walk = (n: Node, within: string | undefined) => {
    if (isElement(n)) {
      if (n.name === "Hint") step.hints++;
      if (n.name === "Solution") hasSolution = true;
      if (n.name === "Quiz") {
        if (step.quiz) throw new LessonError(file, lineOf(n), "a step has at most one <Quiz>");
        step.quiz = parseQuiz(n, file);
      }
      within = n.name === "Solution" || n.name === "Hint" ? n.name : within;
    }
    if (n.type === "code") {
      const code = n as Code;
      if (isSetupBlock(code)) {
        if (within) throw new LessonError(file, lineOf(code), `a setup block belongs directly in a <Step>, not inside its <${within}>`);
        setup.push(parseSetupBlock(code, `step-${id}`, setup.length + 1, lab.nodes, file));
      } else if (code.lang === "check") step.checks.push(...parseCheck(code, file, lab));
      else if (isWrongAnswer(code)) step.wrong.push(code.value.trim());
      else if (within === "Solution" && isShell(code)) solution.push(code.value.trim());
      else if (within === undefined && isRunnable(code)) step.commands.push(code.value.trim());
    }
    for (const child of (n as Parent).children ?? []) walk(child, within);
  };
  for (const child of node.children) walk(child, undefined);
  if (hasSolution && !solution.length) throw new LessonError(file, lineOf(node), `step "${id}": its <Solution> has no shell block`);
  step.solution = hasSolution ? solution : step.commands;
  return setup.length ? { ...step, setup } : step;
}

/** The ```sh setup blocks outside every <Step>: the lesson's own, which must all come before the first step. */
function lessonSetup(tree: Root, file: string, nodes: string[]): SetupScript[] {
  const setup: SetupScript[] = [];
  let stepSeen = false;
  const walk = (node: Node) => {
    if (isElement(node) && node.name === "Step") return void (stepSeen = true);
    if (node.type === "code" && isSetupBlock(node as Code)) {
      if (stepSeen)
        throw new LessonError(file, lineOf(node), "a setup block outside a <Step> must come before the first <Step> (or move it into the step it prepares)");
      setup.push(parseSetupBlock(node as Code, "lesson", setup.length + 1, nodes, file));
    }
    for (const child of (node as Parent).children ?? []) walk(child);
  };
  walk(tree);
  return setup;
}

export function parseLesson(source: string, file: string, slug: string): Lesson {
  if (!isLessonSlug(slug)) throw new LessonError(file, undefined, `lesson folder "${slug}" must be lowercase letters, digits and dashes`);
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

  checkStructure(tree, file);
  const nodes = nodeNames(front.data.nodes);
  const { files: authoredFiles, ...frontmatter } = front.data;
  const files = authoredFiles?.length ? resolveFiles(authoredFiles, nodes, file, yamlNode.position?.start.line) : [];
  const setup = lessonSetup(tree, file, nodes);
  const steps: Step[] = [];
  const links: LessonLink[] = [];
  visit(tree, (node) => {
    if (isElement(node) && node.name === "Step") {
      const step = parseStep(node, file, {
        nodes,
        registry: front.data.registry,
        kubernetes: front.data.kubernetes !== undefined,
      });
      if (steps.some((s) => s.id === step.id)) throw new LessonError(file, lineOf(node), `duplicate step id "${step.id}"`);
      steps.push(step);
    }
    if (node.type === "link" || node.type === "image" || node.type === "definition") links.push({ url: (node as Link).url, line: lineOf(node) });
  });
  if (!steps.length) throw new LessonError(file, undefined, "a lesson needs at least one <Step>");
  return { ...frontmatter, slug, file, source, steps, links, ...(files.length && { files }), ...(setup.length && { setup }) };
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
  if (!isLessonSlug(slug)) return undefined;
  const file = path.join(contentDir, "lessons", slug, LESSON_FILE);
  if (!fs.existsSync(file)) return undefined;
  return parseLesson(fs.readFileSync(file, "utf8"), file, slug);
}
