import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import pg from "pg";
import { databaseUrl, usesPostgres } from "@dockyard/contract/server";

// The database half of a backup, for either kind DATABASE_URL names: a consistent copy taken while the site runs
// (SQLite's online backup API, through the better-sqlite3 Prisma's adapter uses; pg_dump's snapshot), who has it
// open, its migration level, and putting a copy back.

export type DatabaseKind = "sqlite" | "postgresql";

export const databaseKind = (): DatabaseKind => (usesPostgres() ? "postgresql" : "sqlite");
/** The file name the copy has in a backup. */
export const copyName = (kind: DatabaseKind) => (kind === "sqlite" ? "database.sqlite" : "database.pgdump");

interface SqliteDatabase {
  backup(destination: string): Promise<unknown>;
  prepare(sql: string): { pluck(): { get(): unknown } };
  close(): void;
}
type SqliteOpen = new (file: string, options: { readonly?: boolean; fileMustExist?: boolean }) => SqliteDatabase;
// Not a dependency of Dockyard's own: the one Prisma's SQLite adapter brings, built for this Node.
const Sqlite = createRequire(createRequire(import.meta.url).resolve("@prisma/adapter-better-sqlite3"))("better-sqlite3") as SqliteOpen;

/** The SQLite database's file (DATABASE_URL is `file:<path>`, relative to the repository root). */
export const sqliteFile = () =>
  path.resolve(
    databaseUrl()
      .replace(/^file:/, "")
      .replace(/\?.*$/, ""),
  );
const sqliteCompanions = (file: string) => [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];

const LEVEL_SQL = `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name DESC LIMIT 1`;

async function withPostgres<T>(url: string, query: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await query(client);
  } finally {
    await client.end();
  }
}

function run(command: string, args: string[]): void {
  const done = spawnSync(command, args, { encoding: "utf8" });
  if (done.error) throw new Error(`${command} could not run (${done.error.message}): apt-get install -y postgresql-client`);
  if (done.status !== 0) throw new Error(`${command} failed: ${done.stderr.trim()}`);
}

/** Writes a consistent copy of the database to `file`; returns its migration level. */
export async function copyDatabase(file: string): Promise<string | undefined> {
  if (databaseKind() === "postgresql") {
    run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", `--file=${file}`, `--dbname=${databaseUrl()}`]);
    return withPostgres(databaseUrl(), async (c) => (await c.query<{ migration_name: string }>(LEVEL_SQL)).rows[0]?.migration_name);
  }
  if (!fs.existsSync(sqliteFile())) throw new Error(`there is no database at ${sqliteFile()} to back up`);
  const source = new Sqlite(sqliteFile(), { readonly: true, fileMustExist: true });
  try {
    await source.backup(file);
  } finally {
    source.close();
  }
  const copy = new Sqlite(file, { readonly: true });
  try {
    return copy.prepare(LEVEL_SQL).pluck().get() as string | undefined;
  } finally {
    copy.close();
  }
}

/** Who holds the database open besides this process (the site, a script), described; undefined when nobody does. */
export async function databaseUsers(): Promise<string | undefined> {
  if (databaseKind() === "postgresql") {
    const others = await withPostgres(databaseUrl(), async (c) =>
      c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`),
    ).catch((e: { code?: string }) => (e.code === "3D000" ? undefined : Promise.reject(e))); // no such database: nobody
    const n = others?.rows[0]?.n ?? 0;
    return n ? `${n} other connection(s) to the database` : undefined;
  }
  const files = new Set(sqliteCompanions(sqliteFile()).flatMap((f) => [f, safeRealpath(f)])); // (/proc names the real path)
  const holders = new Set<string>();
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      if (fs.readdirSync(`/proc/${pid}/fd`).some((fd) => files.has(safeReadlink(`/proc/${pid}/fd/${fd}`)))) {
        holders.add(`${pid} (${fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim()})`);
      }
    } catch {} // gone meanwhile, or not ours to look at
  }
  return holders.size ? `the database is open in process ${[...holders].join(", ")}` : undefined;
}

function safeRealpath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

function safeReadlink(link: string): string {
  try {
    return fs.readlinkSync(link);
  } catch {
    return "";
  }
}

/** Moves (SQLite) or dumps (PostgreSQL) the current database into `dir`; returns what it kept there, if anything. */
export async function setDatabaseAside(dir: string): Promise<string | undefined> {
  if (databaseKind() === "postgresql") {
    const tables = await withPostgres(databaseUrl(), async (c) => (await c.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'public'`)).rowCount).catch(
      (e: { code?: string }) => (e.code === "3D000" ? 0 : Promise.reject(e)),
    );
    if (!tables) return undefined;
    const file = path.join(dir, copyName("postgresql"));
    run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", `--file=${file}`, `--dbname=${databaseUrl()}`]);
    return file;
  }
  const present = sqliteCompanions(sqliteFile()).filter((f) => fs.existsSync(f));
  for (const file of present) {
    fs.copyFileSync(file, path.join(dir, path.basename(file))); // (not a rename: it may be on another file system)
    fs.rmSync(file);
  }
  return present.length ? path.join(dir, path.basename(sqliteFile())) : undefined;
}

/** Replaces the database with the copy in `file` (made by copyDatabase of the same kind). */
export async function putDatabaseBack(file: string): Promise<void> {
  if (databaseKind() === "sqlite") {
    fs.mkdirSync(path.dirname(sqliteFile()), { recursive: true });
    fs.copyFileSync(file, sqliteFile());
    return;
  }
  const url = new URL(databaseUrl());
  const name = decodeURIComponent(url.pathname.slice(1));
  const exists = await withPostgres(databaseUrl(), async () => true).catch((e: { code?: string }) => (e.code === "3D000" ? false : Promise.reject(e)));
  if (!exists) {
    // A wiped server: the database is made again by the same role (it needs CREATEDB, as Dockyard's own server's has).
    url.pathname = "/postgres";
    await withPostgres(url.toString(), (c) => c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`));
  }
  await withPostgres(databaseUrl(), (c) => c.query(`DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public`));
  run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", `--dbname=${databaseUrl()}`, file]);
}
