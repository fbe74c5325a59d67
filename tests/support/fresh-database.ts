import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migratePostgres } from "../../prisma/postgresql/migrate";
import { freshPostgresDatabase } from "./postgres";

/** A new database for the tests of `label`, migrated: a SQLite file in a temporary directory, or one on Dockyard's PostgreSQL server. */
export async function freshDatabase(database: "sqlite" | "postgresql", label: string): Promise<string> {
  if (database === "postgresql") {
    const url = await freshPostgresDatabase(`dockyard_test_${label}`);
    await migratePostgres(url);
    return url;
  }
  const url = `file:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), `dockyard-${label}-`)), "dockyard.db")}`;
  const migrate = spawnSync("bash", ["scripts/prisma.sh", "migrate", "deploy"], { encoding: "utf8", env: { ...process.env, DATABASE_URL: url } });
  if (migrate.status !== 0) throw new Error(`migrate deploy failed:\n${migrate.stdout}\n${migrate.stderr}`);
  return url;
}
