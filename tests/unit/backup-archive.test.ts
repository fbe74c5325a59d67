import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pack, unpack } from "../../scripts/backup/archive";

// A backup file holds a manifest with every file's SHA-256: a file changed, missing or added inside a
// well-formed archive is told apart from a backup before a restore replaces anything.

const temps: string[] = [];
const temp = () => temps[temps.push(fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-archive-"))) - 1]!;
after(() => temps.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
const made = {
  createdAt: "2026-12-06T00:00:00.000Z",
  database: { kind: "sqlite" as const, file: "database.sqlite", migration: "m1" },
  secret: "file" as const,
};

function backupOf(files: Record<string, string>): string {
  const dir = temp();
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  const file = path.join(temp(), "backup.tar.gz");
  pack(dir, made, file);
  return file;
}

/** The backup, extracted, edited by `edit`, and packed again as it is (manifest untouched). */
function tampered(file: string, edit: (dir: string) => void): string {
  const dir = temp();
  spawnSync("tar", ["-xzf", file, "-C", dir]);
  edit(dir);
  const out = path.join(temp(), "tampered.tar.gz");
  spawnSync("tar", ["-czf", out, "-C", dir, "."]);
  return out;
}

const FILES = { "database.sqlite": "db", secret: "s3cret", "recordings/lab/node1.cast": "cast" };

test("a backup unpacks whole, with its manifest, and is readable by its owner only", () => {
  const file = backupOf(FILES);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const dir = temp();
  const manifest = unpack(file, dir);
  assert.deepEqual(Object.keys(manifest.files).sort(), Object.keys(FILES).sort());
  assert.equal(manifest.database.migration, "m1");
  assert.equal(fs.readFileSync(path.join(dir, "recordings/lab/node1.cast"), "utf8"), "cast");
  assert.ok(!fs.existsSync(`${file}.partial`));
});

test("a file changed, missing or added inside the archive is refused as damaged", () => {
  const file = backupOf(FILES);
  const cases: [(dir: string) => void, RegExp][] = [
    [(dir) => fs.writeFileSync(path.join(dir, "database.sqlite"), "other"), /is damaged: database\.sqlite changed/],
    [(dir) => fs.rmSync(path.join(dir, "secret")), /is damaged: secret missing/],
    [(dir) => fs.writeFileSync(path.join(dir, "extra"), "x"), /is damaged: extra not listed/],
    [(dir) => fs.writeFileSync(path.join(dir, "manifest.json"), "{"), /is not a Dockyard backup: it holds no readable manifest\.json/],
  ];
  for (const [edit, message] of cases) assert.throws(() => unpack(tampered(file, edit), temp()), message);
});

test("a backup without its database is refused", () => {
  assert.throws(() => unpack(backupOf({ secret: "s" }), temp()), /is damaged: it holds no database/);
});
