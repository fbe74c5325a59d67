import path from "node:path";
import { contentDir } from "@dockyard/contract/server";
import { ImportError, importKillercoda } from "../lab-runner/src/authoring/import";
import { changesText } from "../lab-runner/src/authoring/import/report";

// npm run import:killercoda -- <scenario or course folder> [--out content/lessons/<slug>] [--force]
// Prints each lesson's import report and what this run changed; exits 1 with the file at fault when the folder
// is not a scenario.

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : (args.splice(i, 2)[1] ?? "");
};
const force = args.includes("--force");
const out = flag("--out");
const [folder, ...rest] = args.filter((a) => a !== "--force");
if (!folder || rest.length || out === "") {
  console.error("usage: npm run import:killercoda -- <scenario or course folder> [--out content/lessons/<slug>] [--force]");
  process.exit(2);
}
try {
  for (const lesson of importKillercoda(path.resolve(folder), { out, contentDir: contentDir(), force })) {
    console.log(lesson.report);
    console.log(`${changesText(path.relative(process.cwd(), lesson.dir) || lesson.dir, lesson.changes)}\n`);
  }
} catch (e) {
  if (!(e instanceof ImportError)) throw e;
  console.error(`import:killercoda: ${e.message}`);
  process.exitCode = 1;
}
