import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ImportError } from "./scenario";

// Writing an imported lesson so that importing again updates it: import-manifest.json lists every file the
// importer wrote, with its hash. A re-run writes what changed, removes the files it wrote before and no longer
// writes, and leaves every other file of the folder alone. A file the author edited since is not overwritten
// unless forced, and a folder holding a lesson the importer did not write is refused.

export const MANIFEST = "import-manifest.json";

interface Manifest {
  source: string;
  files: Record<string, string>;
}

export interface Changes {
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: string[];
}

const hash = (data: string | Buffer) => crypto.createHash("sha256").update(data).digest("hex");

function readManifest(dir: string): Manifest | undefined {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
  } catch (e) {
    throw new ImportError(file, `not valid JSON (${(e as Error).message}); remove it to import anew`);
  }
}

const inside = (dir: string, name: string) => {
  const file = path.resolve(dir, name);
  if (!file.startsWith(path.resolve(dir) + path.sep)) throw new ImportError(path.join(dir, MANIFEST), `names “${name}”, outside the lesson's folder`);
  return file;
};

/** Removes the folders a removed file leaves empty, up to the lesson's folder. */
function pruneEmpty(dir: string, file: string): void {
  for (let d = path.dirname(file); d.startsWith(path.resolve(dir) + path.sep); d = path.dirname(d)) {
    if (fs.readdirSync(d).length) return;
    fs.rmdirSync(d);
  }
}

/** Writes the lesson's files (relative path → content) into dir; returns what changed. */
export function writeLesson(dir: string, source: string, outputs: Map<string, string | Buffer>, force = false): Changes {
  const before = readManifest(dir);
  if (!before && fs.existsSync(path.join(dir, "lesson.mdx")))
    throw new ImportError(
      path.join(dir, "lesson.mdx"),
      `exists and was not written by the importer (no ${MANIFEST}): choose another --out, or remove the folder`,
    );
  // Edited: no longer what the importer wrote, and not what it would write now.
  const edited = Object.entries(before?.files ?? {}).filter(([name, sum]) => {
    const file = inside(dir, name);
    if (!outputs.has(name) || !fs.existsSync(file)) return false;
    const now = hash(fs.readFileSync(file));
    return now !== sum && now !== hash(outputs.get(name)!);
  });
  if (edited.length && !force)
    throw new ImportError(
      path.join(dir, edited[0]![0]),
      `edited since the last import (${edited.map(([n]) => n).join(", ")}): importing again would overwrite it; use --force to do so`,
    );

  const changes: Changes = { added: [], updated: [], removed: [], unchanged: [] };
  const manifest: Manifest = { source, files: {} };
  for (const [name, data] of [...outputs].sort(([a], [b]) => a.localeCompare(b))) {
    const file = inside(dir, name);
    const old = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    manifest.files[name] = hash(data);
    if (old && hash(old) === manifest.files[name]) {
      changes.unchanged.push(name);
      continue;
    }
    (old ? changes.updated : changes.added).push(name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
  }
  for (const name of Object.keys(before?.files ?? {}).filter((n) => !outputs.has(n))) {
    const file = inside(dir, name);
    if (!fs.existsSync(file)) continue;
    fs.rmSync(file);
    pruneEmpty(dir, file);
    changes.removed.push(name);
  }
  fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  return changes;
}
