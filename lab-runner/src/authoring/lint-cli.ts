import fs from "node:fs";
import path from "node:path";
import { contentDir, registryMirror, stateDir } from "@dockyard/contract/server";
import { HostPaths } from "../sandbox/docker/paths";
import { lintContent } from "./lint";

// `npm run lessons:lint`: every problem as file:line: severity: message (a lesson's images are looked for in this
// installation: its content/images, the tars it built or loaded, its registry mirror), then a count per lesson in the
// "ℹ pass N" / "ℹ fail N" form scripts/test.sh sums (a lesson with an error fails). Exits 1 on any error.

const lessonsDir = path.join(contentDir(), "lessons");
const host = new HostPaths(stateDir());
const problems = lintContent(contentDir(), { loaded: (image) => fs.existsSync(host.courseImageTar(image)), mirror: Boolean(registryMirror()) });
const shown = (file: string) => (path.relative(process.cwd(), file).startsWith("..") ? file : path.relative(process.cwd(), file));
for (const p of problems) console.log(`${shown(p.file)}${p.line ? `:${p.line}` : ""}: ${p.severity}: ${p.message}`);

const errors = problems.filter((p) => p.severity === "error");
const slugs = fs.existsSync(lessonsDir)
  ? fs
      .readdirSync(lessonsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
  : [];
const failing = slugs.filter((slug) => errors.some((p) => p.file.startsWith(path.join(lessonsDir, slug) + path.sep)));
console.log(`ℹ lessons ${slugs.length}`);
console.log(`ℹ pass ${slugs.length - failing.length}`);
console.log(`ℹ fail ${failing.length || (errors.length ? 1 : 0)}`);
console.log(`ℹ warnings ${problems.length - errors.length}`);
process.exitCode = errors.length ? 1 : 0;
