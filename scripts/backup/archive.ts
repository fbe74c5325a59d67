import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { DatabaseKind } from "./database";

// A backup file: a gzipped tar of a folder holding the database's copy, recordings/, the signing secret and
// manifest.json, which says what is in it and the SHA-256 of every file, so a damaged or foreign file is told
// apart from a backup before anything is replaced.

export const FORMAT = "dockyard-backup";
const MANIFEST = "manifest.json";

export interface Manifest {
  format: typeof FORMAT;
  version: 1;
  createdAt: string;
  database: { kind: DatabaseKind; file: string; migration: string | null };
  /** "file": the secret is in the backup; "environment": DOCKYARD_SECRET gives it, so it is not. */
  secret: "file" | "environment" | "none";
  /** Every other file of the backup, by its path inside it, with its SHA-256. */
  files: Record<string, string>;
}

function filesUnder(dir: string, prefix = ""): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    return entry.isDirectory() ? filesUnder(path.join(dir, entry.name), relative) : [relative];
  });
}

const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

function tar(args: string[], output?: number): void {
  const done = spawnSync("tar", args, { encoding: "utf8", stdio: ["ignore", output ?? "pipe", "pipe"] });
  if (done.status !== 0) throw new Error(done.stderr.trim() || `tar exited with ${done.status}`);
}

/** Writes `dir` (the copies, without manifest) and its manifest to `file`, readable by root only (it holds the secret). */
export function pack(dir: string, manifest: Omit<Manifest, "format" | "version" | "files">, file: string): Manifest {
  const full: Manifest = { format: FORMAT, version: 1, ...manifest, files: {} };
  for (const f of filesUnder(dir).sort()) full.files[f] = sha256(path.join(dir, f));
  fs.writeFileSync(path.join(dir, MANIFEST), `${JSON.stringify(full, null, 2)}\n`);
  // Written beside the target and renamed: an interrupted backup never leaves a half file under the name asked for.
  const partial = `${file}.partial`;
  const fd = fs.openSync(partial, "w", 0o600);
  try {
    tar(["-czf", "-", "-C", dir, "."], fd);
  } catch (e) {
    fs.rmSync(partial, { force: true });
    throw e;
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(partial, file);
  return full;
}

/** Extracts a backup into `dir` (empty) and checks it whole; returns its manifest. Throws a clear error for anything else. */
export function unpack(file: string, dir: string): Manifest {
  if (!fs.existsSync(file)) throw new Error(`there is no file ${file}`);
  try {
    tar(["-xzf", file, "-C", dir, "--no-same-owner"]);
  } catch (e) {
    throw new Error(`${file} is not a Dockyard backup, or it is damaged (tar: ${(e as Error).message.split("\n")[0]})`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), "utf8"));
  } catch {
    throw new Error(`${file} is not a Dockyard backup: it holds no readable ${MANIFEST}`);
  }
  if (manifest.format !== FORMAT || manifest.version !== 1) throw new Error(`${file} is not a Dockyard backup of a version this checkout reads`);
  const found = filesUnder(dir).filter((f) => f !== MANIFEST);
  const missing = Object.keys(manifest.files).filter((f) => !found.includes(f));
  const extra = found.filter((f) => !(f in manifest.files));
  const changed = found.filter((f) => f in manifest.files && sha256(path.join(dir, f)) !== manifest.files[f]);
  if (missing.length || extra.length || changed.length) {
    const what = [...missing.map((f) => `${f} missing`), ...extra.map((f) => `${f} not listed`), ...changed.map((f) => `${f} changed`)];
    throw new Error(`${file} is damaged: ${what.slice(0, 5).join(", ")}${what.length > 5 ? ", …" : ""}`);
  }
  if (!(manifest.database.file in manifest.files)) throw new Error(`${file} is damaged: it holds no database`);
  return manifest;
}
