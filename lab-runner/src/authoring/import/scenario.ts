import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

// A Killercoda (or Katacoda) scenario as its folder holds it: index.json naming a markdown file per page
// (intro, steps, finish), the scripts that run beside each page (background hidden, foreground in the terminal,
// verify to judge a step) and the assets copied onto the host. Read once, every file it names checked, so the
// converters below never touch the disk; a folder that is not a scenario fails here, naming the file.

export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A page's files: Killercoda's names, and Katacoda's older ones (code = foreground, courseData = background). */
const page = z
  .object({
    title: z.string().optional(),
    text: z.string().min(1).optional(),
    foreground: z.string().optional(),
    background: z.string().optional(),
    verify: z.string().optional(),
    code: z.string().optional(),
    courseData: z.string().optional(),
  })
  .passthrough();

const asset = z.object({ file: z.string().min(1), target: z.string().min(1), chmod: z.string().optional() }).passthrough();

export const indexSchema = z
  .object({
    title: z.string().min(1),
    description: z.string().optional(),
    difficulty: z.string().optional(),
    time: z.string().optional(),
    details: z
      .object({
        intro: page.optional(),
        steps: z.array(page).default([]),
        finish: page.optional(),
        assets: z.record(z.string(), z.array(asset)).optional(),
      })
      .passthrough(),
    backend: z
      .object({ imageid: z.string().min(1) })
      .passthrough()
      .optional(),
    interface: z.object({ layout: z.string().optional() }).passthrough().optional(),
    environment: z.object({ uilayout: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

export const structureSchema = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    items: z.array(z.object({ path: z.string().min(1), title: z.string().optional(), description: z.string().optional() }).passthrough()).min(1),
  })
  .passthrough();

export interface Script {
  /** Relative to the scenario folder, as index.json names it. */
  file: string;
  text: string;
}

export interface Page {
  title?: string;
  /** The markdown, or "" when the page has none. */
  text: string;
  textFile?: string;
  background?: Script;
  foreground?: Script;
  verify?: Script;
}

export interface AssetRule {
  host: string;
  /** A file or glob under assets/. */
  file: string;
  target: string;
  chmod?: string;
}

export interface Scenario {
  folder: string;
  title: string;
  description?: string;
  difficulty?: string;
  time?: string;
  intro?: Page;
  steps: Page[];
  finish?: Page;
  assets: AssetRule[];
  imageid?: string;
  layout?: string;
}

const zodDetail = (error: z.ZodError) => error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");

/** A JSON file parsed against its schema, or an ImportError naming it. */
export function readJson<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ImportError(file, err.code === "ENOENT" ? `no ${path.basename(file)}: this folder is not a ${what}` : `not valid JSON: ${err.message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ImportError(file, `not a valid ${what} description: ${zodDetail(parsed.error)}`);
  return parsed.data;
}

/** A file the scenario names, which must exist inside its folder. */
function readNamed(folder: string, name: string, where: string): string {
  const file = path.resolve(folder, name);
  if (!file.startsWith(path.resolve(folder) + path.sep))
    throw new ImportError(path.join(folder, "index.json"), `${where} names "${name}", outside the scenario's folder`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    throw new ImportError(file, `missing: index.json names it as ${where}`);
  }
}

function readPage(folder: string, raw: z.infer<typeof page>, where: string): Page {
  const script = (name: string | undefined, role: string): Script | undefined =>
    name ? { file: name, text: readNamed(folder, name, `${where}.${role}`) } : undefined;
  return {
    title: raw.title,
    text: raw.text ? readNamed(folder, raw.text, `${where}.text`) : "",
    textFile: raw.text,
    background: script(raw.background ?? raw.courseData, "background"),
    foreground: script(raw.foreground ?? raw.code, "foreground"),
    verify: script(raw.verify, "verify"),
  };
}

export const isScenario = (folder: string) => fs.existsSync(path.join(folder, "index.json"));

export function readScenario(folder: string): Scenario {
  if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new ImportError(folder, "no such folder");
  const index = readJson(path.join(folder, "index.json"), indexSchema, "Killercoda scenario");
  const { details } = index;
  return {
    folder,
    title: index.title,
    description: index.description,
    difficulty: index.difficulty,
    time: index.time,
    intro: details.intro && readPage(folder, details.intro, "details.intro"),
    steps: details.steps.map((s, i) => readPage(folder, s, `details.steps[${i}]`)),
    finish: details.finish && readPage(folder, details.finish, "details.finish"),
    assets: Object.entries(details.assets ?? {}).flatMap(([host, rules]) => rules.map((r) => ({ host, file: r.file, target: r.target, chmod: r.chmod }))),
    imageid: index.backend?.imageid,
    layout: index.interface?.layout ?? index.environment?.uilayout,
  };
}
