import fs from "node:fs";
import YAML from "yaml";
import { imagesCreatedBy } from "../image-refs";
import { lessonFiles, type LessonFile } from "./assets";
import { hostNames, labFor, layoutNote } from "./backend";
import { imagesIn, offlineImages, sortImages } from "./images";
import { convertPage } from "./markdown";
import { Notes } from "./notes";
import type { Page, Scenario } from "./scenario";
import { setupBlocks } from "./setup";
import { verifyCheck } from "./verify";

// A scenario as one Dockyard lesson: frontmatter from index.json, the intro's prose and setup before the
// steps, one <Step> per step page (its setup, text and verify check), the finish page after them.

export interface LessonOptions {
  contentDir: string;
  order: number;
  prerequisites: string[];
  /** A course's structure.json may give its scenario another title or description. */
  title?: string;
  summary?: string;
}

export interface ConvertedLesson {
  mdx: string;
  files: LessonFile[];
  notes: Notes;
  /** Image references the offline set lacks. */
  missingImages: string[];
}

export const slugify = (text: string, fallback: string) =>
  text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64)
    .replace(/-+$/, "") || fallback;

const LEVELS: [RegExp, string][] = [
  [/beginner|easy|basic/i, "beginner"],
  [/intermediate|medium/i, "intermediate"],
  [/advanced|hard|expert/i, "advanced"],
];

/** "15 minutes", "1 hour", "20 min" as minutes; else five a step. */
export function minutesOf(time: string | undefined, steps: number): number {
  const m = /(\d+)\s*(h|hours?|m|min|minutes?)?\b/i.exec(time ?? "");
  if (m) return Math.max(1, Number(m[1]) * (/^h/i.test(m[2] ?? "") ? 60 : 1));
  return Math.max(5, steps * 5);
}

const attr = (value: string) => value.replace(/"/g, "'").replace(/[{}<>]/g, "");

function stepIds(steps: Page[]): string[] {
  const ids: string[] = [];
  steps.forEach((s, i) => {
    let id = slugify(s.title ?? "", `step-${i + 1}`);
    if (ids.includes(id)) id = `${id.slice(0, 58)}-${i + 1}`;
    ids.push(id);
  });
  return ids;
}

export function convertScenario(scenario: Scenario, options: LessonOptions): ConvertedLesson {
  const notes = new Notes();
  const lab = labFor(scenario.imageid, notes);
  layoutNote(scenario.layout, notes);
  const files = lessonFiles(scenario.folder, scenario.assets, notes);
  const commands: string[] = [];
  const pageText = (page: Page | undefined, where: string, inStep: boolean) => {
    if (!page) return "";
    for (const script of [page.background, page.foreground, page.verify]) if (script) hostNames(script.text, script.file, notes);
    hostNames(page.text, page.textFile ?? where, notes);
    // A page's lines one by one: an apostrophe in prose must not swallow the commands after it.
    commands.push(...page.text.split("\n"), page.background?.text ?? "", page.foreground?.text ?? "");
    return convertPage(page.text, page.textFile ?? where, inStep, notes);
  };

  const body: string[] = [];
  if (scenario.intro) body.push(...setupBlocks(scenario.intro, "the lesson", notes), pageText(scenario.intro, "details.intro", false));
  const ids = stepIds(scenario.steps);
  scenario.steps.forEach((step, i) => {
    const title = step.title ?? `Step ${i + 1}`;
    const parts = [...setupBlocks(step, `step “${ids[i]}”`, notes), pageText(step, `details.steps[${i}]`, true)];
    const where = step.textFile ?? `details.steps[${i}]`;
    if (step.verify) {
      parts.push(verifyCheck(step.verify.text, "verify.sh"));
      notes.add("mapped", step.verify.file, `verify script → a script check of step “${ids[i]}” (exit 0 passes; its output is the message)`);
      if (!/^`{3,}sh run|^<Solution>/m.test(parts.join("\n")))
        notes.add(
          "todo",
          where,
          `step “${ids[i]}” has a verify script but no commands: add a <Solution> with the commands that pass it (lessons:lint fails until then)`,
        );
    } else notes.add("differs", where, `step “${ids[i]}” has no verify script: the learner moves on without a check (lessons:lint warns)`);
    body.push(`<Step id="${ids[i]}" title="${attr(title)}">\n\n${parts.filter(Boolean).join("\n\n")}\n\n</Step>`);
  });
  if (scenario.finish) {
    body.push(pageText(scenario.finish, "details.finish", false));
    for (const script of [scenario.finish.background, scenario.finish.foreground])
      if (script) notes.add("todo", script.file, "the finish page's script is not run: a Dockyard lesson has no setup after its last step");
  }

  const manifests = files.filter((f) => /Dockerfile|\.ya?ml$/i.test(f.source)).map((f) => fs.readFileSync(f.from, "utf8"));
  const used = [...new Set([...commands, ...manifests].flatMap(imagesIn))];
  const { load, missing } = sortImages(used, offlineImages(options.contentDir), imagesCreatedBy(commands));
  for (const ref of missing)
    notes.add(
      "todo",
      "images",
      `“${ref}” is not in this installation's offline image set: the lesson works once a registry mirror or a bundle provides it (README)`,
    );

  const level = LEVELS.find(([re]) => re.test(scenario.difficulty ?? ""))?.[1];
  const front = {
    title: options.title ?? scenario.title,
    summary: (options.summary || scenario.description || scenario.title).replace(/\s+/g, " ").trim(),
    order: options.order,
    ...(level && { level }),
    minutes: minutesOf(scenario.time, scenario.steps.length),
    ...(options.prerequisites.length && { prerequisites: options.prerequisites }),
    ...(load.length && { images: load }),
    ...lab,
    ...(files.length && { files: files.map(({ source, target, node, mode }) => ({ source, target, ...(node && { node }), ...(mode && { mode }) })) }),
  };
  const mdx = `---\n${YAML.stringify(front, { lineWidth: 0 })}---\n\n${body.filter(Boolean).join("\n\n")}\n`;
  return { mdx, files, notes, missingImages: missing };
}
