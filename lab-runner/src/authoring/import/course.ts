import fs from "node:fs";
import path from "node:path";
import { ImportError, isScenario, readJson, structureSchema } from "./scenario";

// A course is a folder of scenarios: structure.json lists them in order (items[].path, relative, with an optional
// title and description that replace the scenario's own); without it, its subfolders are taken in name order.
// An item may be a course itself. Each scenario becomes a lesson that has the one before it as prerequisite.

export interface CourseItem {
  folder: string;
  title?: string;
  description?: string;
}

export function courseItems(folder: string, seen = new Set<string>()): CourseItem[] {
  const real = fs.realpathSync(folder);
  if (seen.has(real)) throw new ImportError(path.join(folder, "structure.json"), "the course includes itself");
  seen.add(real);
  const structure = path.join(folder, "structure.json");
  const items = fs.existsSync(structure)
    ? readJson(structure, structureSchema, "Killercoda course").items.map((i) => ({ ...i, folder: path.resolve(folder, i.path) }))
    : fs
        .readdirSync(folder, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.startsWith("."))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((d) => ({ folder: path.join(folder, d.name), title: undefined, description: undefined }));
  return items.flatMap((item): CourseItem[] => {
    if (isScenario(item.folder)) return [{ folder: item.folder, title: item.title, description: item.description }];
    if (fs.existsSync(structure) && !fs.statSync(item.folder, { throwIfNoEntry: false })?.isDirectory())
      throw new ImportError(structure, `item “${path.relative(folder, item.folder)}” is not a folder`);
    return isCourse(item.folder) ? courseItems(item.folder, seen) : [];
  });
}

/** A folder of scenarios: it has structure.json, or no index.json and a subfolder with one. */
export function isCourse(folder: string): boolean {
  if (isScenario(folder)) return false;
  if (fs.existsSync(path.join(folder, "structure.json"))) return true;
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .some((d) => d.isDirectory() && (isScenario(path.join(folder, d.name)) || isCourse(path.join(folder, d.name))));
}
