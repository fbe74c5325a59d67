import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

// Every setting is read in one place, lab-runner/contract/config.ts, and documented in README's Settings table:
// the variables config.ts reads and the ones that table lists are the same, and no other source file of the
// site or the lab-runner reads a setting from the environment itself. Tests and scripts/ may set and read
// their own.

const CONFIG = "lab-runner/contract/config.ts";
const ENV_READ = /process\.env(?:\.([A-Za-z_]\w*)|\[\s*["'`]([A-Za-z_]\w*)["'`]\s*\])/g;
const isSetting = (name: string) => name.startsWith("DOCKYARD_") || name === "DATABASE_URL";

const envReads = (source: string) => new Set([...source.matchAll(ENV_READ)].map((m) => (m[1] ?? m[2])!));

/** The variables in the first table under "## Settings". */
function readmeSettings(): Set<string> {
  const lines = fs.readFileSync("README.md", "utf8").split("\n");
  const start = lines.indexOf("## Settings");
  assert.ok(start >= 0, "README.md has a ## Settings section");
  const rest = lines.slice(start + 1);
  const first = rest.findIndex((l) => l.startsWith("|"));
  const end = rest.findIndex((l, i) => i > first && !l.startsWith("|"));
  const rows = rest.slice(first + 2, end < 0 ? undefined : end); // after the header and its --- line
  return new Set(rows.map((row) => row.match(/^\|\s*`([A-Z_][A-Z0-9_]*)`\s*\|/)?.[1] ?? assert.fail(`not a setting's row: ${row}`)));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "_generated" ? [] : sourceFiles(file);
    return /\.(ts|tsx|js|mjs)$/.test(entry.name) ? [file] : [];
  });
}

test("README's Settings table lists exactly the variables config.ts reads", () => {
  const read = [...envReads(fs.readFileSync(CONFIG, "utf8"))].sort();
  const documented = [...readmeSettings()].sort();
  assert.ok(read.length > 20, `config.ts reads ${read.length} variables`);
  assert.deepEqual(
    { undocumented: read.filter((v) => !documented.includes(v)), notRead: documented.filter((v) => !read.includes(v)) },
    { undocumented: [], notRead: [] },
  );
});

test("no source file of the site or the lab-runner but config.ts reads a setting from the environment", () => {
  const files = [...sourceFiles("app"), ...sourceFiles("lab-runner"), "proxy.ts"].filter((f) => f !== path.normalize(CONFIG));
  assert.ok(files.length > 50, `${files.length} source files`);
  const readers = files.flatMap((f) => [...envReads(fs.readFileSync(f, "utf8"))].filter(isSetting).map((v) => `${f}: ${v}`));
  assert.deepEqual(readers, []);
});

test("the probe finds both ways of reading a variable", () => {
  assert.deepEqual(
    [...envReads(`process.env.DOCKYARD_A ?? process.env["DOCKYARD_B"]; process.env[ 'DATABASE_URL' ]`)],
    ["DOCKYARD_A", "DOCKYARD_B", "DATABASE_URL"],
  );
});
