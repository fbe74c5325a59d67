import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dataDir, frontStorageDir, recordingsDir, runnerUrl, secretFile, secretFromEnvironment } from "@dockyard/contract/server";
import { migrationNames } from "../prisma/postgresql/migrate";
import { pack, unpack } from "./backup/archive";
import { copyDatabase, copyName, databaseKind, databaseUsers, putDatabaseBack, setDatabaseAside } from "./backup/database";

// Backup and restore of what Dockyard cannot make again: the database (accounts, progress, cohorts), the terminal
// recordings graders read, the signing secret (without it every session cookie and token stops verifying), and the
// front server's certificates and its own CA (browsers told to trust that CA keep trusting the restored one).
//   npm run backup -- [file]      while Dockyard runs; default ./dockyard-backup-<UTC time>.tar.gz
//   npm run restore -- <file>     with the site and the lab-runner stopped; what it replaces is kept in
//                                 <data dir>/replaced-<UTC time>/, and the database is migrated to this checkout.

const log = (line: string) => console.log(`[backup] ${line}`);
const stamp = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-backup-"));
  return work(dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

async function backup(target = `dockyard-backup-${stamp()}.tar.gz`): Promise<void> {
  const file = path.resolve(target);
  await inTempDir(async (dir) => {
    const kind = databaseKind();
    const migration = await copyDatabase(path.join(dir, copyName(kind)));
    // After the database: a recording may hold a moment more than the database, never less.
    if (fs.existsSync(recordingsDir())) fs.cpSync(recordingsDir(), path.join(dir, "recordings"), { recursive: true });
    const secret = secretFromEnvironment() ? "environment" : fs.existsSync(secretFile()) ? "file" : "none";
    if (secret === "file") fs.copyFileSync(secretFile(), path.join(dir, "secret"));
    if (fs.existsSync(frontStorageDir())) fs.cpSync(frontStorageDir(), path.join(dir, "front"), { recursive: true });
    const manifest = pack(dir, { createdAt: new Date().toISOString(), database: { kind, file: copyName(kind), migration: migration ?? null }, secret }, file);
    const recordings = Object.keys(manifest.files).filter((f) => f.startsWith("recordings/")).length;
    const front = fs.existsSync(path.join(dir, "front")) ? ", the front server's certificates" : "";
    log(`wrote ${file}: the ${kind} database (migration ${migration ?? "none"}), ${recordings} recording file(s), secret: ${secret}${front}`);
    if (secret === "environment") log("the signing secret is DOCKYARD_SECRET: keep it with your settings, it is not in the backup");
  });
}

/** Why a restore must wait, if the site or the lab-runner (or anything else) uses what it would replace. */
async function inUse(): Promise<string | undefined> {
  const runner = await fetch(`${runnerUrl()}/health`, { signal: AbortSignal.timeout(1000) }).then(
    () => `the lab-runner answers at ${runnerUrl()}`,
    () => undefined,
  );
  return [runner, await databaseUsers()].filter(Boolean).join("; ") || undefined;
}

async function restore(source: string | undefined): Promise<void> {
  if (!source) throw new Error("usage: npm run restore -- <backup file>");
  const file = path.resolve(source);
  await inTempDir(async (dir) => {
    const manifest = unpack(file, dir);
    const kind = databaseKind();
    if (manifest.database.kind !== kind) {
      throw new Error(
        `${file} holds a ${manifest.database.kind} database, but DATABASE_URL names a ${kind} one: point DATABASE_URL at a ${manifest.database.kind} database`,
      );
    }
    const known = migrationNames();
    if (manifest.database.migration && !known.includes(manifest.database.migration)) {
      throw new Error(
        `${file} comes from a newer Dockyard (its database is at migration ${manifest.database.migration}, this checkout knows up to ${known.at(-1)}): update the checkout first`,
      );
    }
    const users = await inUse();
    if (users) {
      throw new Error(
        `Dockyard is running (${users}). Stop it first (systemctl stop dockyard-front dockyard-site dockyard-runner, or Ctrl-C scripts/start.sh), then restore again. Nothing was changed.`,
      );
    }

    const aside = path.join(dataDir(), `replaced-${stamp()}`);
    fs.mkdirSync(aside, { recursive: true, mode: 0o700 });
    const kept = [await setDatabaseAside(aside)];
    if (fs.existsSync(recordingsDir())) kept.push(moveInto(recordingsDir(), aside));
    if (manifest.secret === "file" && fs.existsSync(secretFile())) kept.push(moveInto(secretFile(), aside));
    const front = path.join(dir, "front");
    if (fs.existsSync(front) && fs.existsSync(frontStorageDir())) kept.push(moveInto(frontStorageDir(), aside));

    try {
      await putDatabaseBack(path.join(dir, manifest.database.file));
      if (fs.existsSync(path.join(dir, "recordings"))) fs.cpSync(path.join(dir, "recordings"), recordingsDir(), { recursive: true });
      if (manifest.secret === "file") fs.writeFileSync(secretFile(), fs.readFileSync(path.join(dir, "secret")), { mode: 0o600 });
      if (fs.existsSync(front)) fs.cpSync(front, frontStorageDir(), { recursive: true });
      // A backup of an older checkout's database is brought up to this one's schema.
      const migrate = spawnSync("bash", ["scripts/prisma.sh", "migrate", "deploy"], { encoding: "utf8" });
      if (migrate.status !== 0) throw new Error(`the backup is restored, but migrating it failed:\n${migrate.stdout}${migrate.stderr}`);
    } catch (e) {
      if (kept.some(Boolean)) (e as Error).message += `\nWhat was there before is kept in ${aside}.`;
      throw e;
    }

    if (kept.some(Boolean)) log(`what it replaced is kept in ${aside}`);
    else fs.rmdirSync(aside);
    log(
      `restored ${file} (made ${manifest.createdAt}): the ${kind} database, ${Object.keys(manifest.files).length - 1} other file(s), secret: ${manifest.secret}`,
    );
    if (manifest.secret === "environment") log("the signing secret was DOCKYARD_SECRET when it was made: set the same value");
  });
}

function moveInto(source: string, dir: string): string {
  const target = path.join(dir, path.basename(source));
  fs.renameSync(source, target);
  return target;
}

const [command, file] = process.argv.slice(2);
try {
  if (command === "backup") await backup(file);
  else if (command === "restore") await restore(file);
  else throw new Error("usage: npm run backup -- [file] | npm run restore -- <file>");
} catch (e) {
  console.error(`[backup] ERROR: ${(e as Error).message}`);
  process.exit(1);
}
