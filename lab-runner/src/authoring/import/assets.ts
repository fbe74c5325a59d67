import fs from "node:fs";
import path from "node:path";
import type { AssetRule } from "./scenario";
import type { Notes } from "./notes";

// details.assets.host01: files from the scenario's assets/ folder (names or globs) copied into a directory of
// the host, optionally chmod'ed. Dockyard's lesson files (frontmatter `files:`) copy one source of the lesson
// folder to one target on a node, so each rule becomes one entry per file, its source copied under files/.

export interface LessonFile {
  /** The asset on disk, in the scenario. */
  from: string;
  /** Relative to the lesson folder. */
  source: string;
  target: string;
  node?: string;
  mode?: string;
}

const FOLDER = "assets";

function walk(dir: string, prefix = ""): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name), `${prefix}${d.name}/`) : d.isFile() ? [`${prefix}${d.name}`] : []));
}

/** A glob as a regular expression: * and ? within a name, ** across folders; a folder matched brings its files. */
export function globPattern(glob: string): RegExp {
  const source = glob
    .replace(/^\.?\//, "")
    .split(/(\*\*\/?|\*|\?)/)
    .map((part) => (part === "**" || part === "**/" ? ".*" : part === "*" ? "[^/]*" : part === "?" ? "[^/]" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}(/.*)?$`);
}

/** The folder part of a glob before its first wildcard: files keep their path below it. */
const fixedPrefix = (glob: string) => {
  const parts = glob.replace(/^\.?\//, "").split("/");
  const first = parts.findIndex((p) => /[*?]/.test(p));
  return (first < 0 ? parts.slice(0, -1) : parts.slice(0, first)).join("/");
};

/** Killercoda's chmod (+x, 755) as a mode like "0755", or undefined for the default. */
export function modeOf(chmod: string | undefined): string | undefined {
  if (!chmod) return undefined;
  if (/^0?[0-7]{3}$/.test(chmod)) return chmod.padStart(4, "0");
  if (/^\d+$/.test(chmod)) return undefined;
  if (/x/.test(chmod)) return "0755";
  return undefined;
}

export const targetDir = (target: string) => target.replace(/^~(?=\/|$)/, "/root").replace(/\/+$/, "") || "/";

export function lessonFiles(folder: string, rules: AssetRule[], notes: Notes): LessonFile[] {
  const available = walk(path.join(folder, FOLDER));
  const files: LessonFile[] = [];
  for (const rule of rules) {
    const where = `details.assets.${rule.host}`;
    const node = /^host(\d+)$/.exec(rule.host);
    if (!node) {
      notes.add("todo", where, `assets for "${rule.host}" are not copied: Dockyard's nodes are host01 → node1, host02 → node2, …`);
      continue;
    }
    const matched = available.filter((f) => globPattern(rule.file).test(f));
    if (!matched.length) notes.add("todo", where, `"${rule.file}" matches no file in ${FOLDER}/`);
    const base = fixedPrefix(rule.file);
    const mode = modeOf(rule.chmod);
    if (rule.chmod && !mode && !/^[+]?[rw]+$/.test(rule.chmod)) notes.add("todo", where, `chmod "${rule.chmod}" is not mapped; the files keep mode 0644`);
    for (const file of matched) {
      const below = base ? path.posix.relative(base, file) : file;
      const entry: LessonFile = {
        from: path.join(folder, FOLDER, file),
        source: `files/${file}`,
        target: path.posix.join(targetDir(rule.target), below),
        ...(Number(node[1]) > 1 && { node: `node${Number(node[1])}` }),
        ...(mode && { mode }),
      };
      const same = files.findIndex((f) => f.source === entry.source && f.target === entry.target);
      if (same >= 0) files[same] = entry;
      else files.push(entry);
    }
  }
  if (files.length)
    notes.add("mapped", "details.assets", `${files.length} asset file(s) → frontmatter files: (copied onto the node before the lesson's setup runs)`);
  return files;
}
