import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";

// Applies prisma/postgresql/migrations to the database at `url`, each once, in order, each in a transaction.
// Prisma's own `migrate deploy` cannot yet read a PostgreSQL schema through a driver adapter
// (prisma/orm#27403), and its native engine cannot be downloaded here. The history goes into Prisma's own
// table with Prisma's checksums, so Prisma's migrate can take over unchanged once that is fixed.

const migrationsDir = path.join(import.meta.dirname, "migrations");

const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export function migrationNames(dir = migrationsDir): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => fs.existsSync(path.join(dir, name, "migration.sql")))
    .sort();
}

/** Applies what is missing; returns the names applied now. */
export async function migratePostgres(url: string, dir = migrationsDir): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Two migrators started at once (site and a test, say) take turns instead of both applying.
    await client.query("SELECT pg_advisory_lock(hashtext('dockyard migrations'))");
    await client.query(HISTORY_TABLE);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const now: string[] = [];
    for (const name of migrationNames(dir)) {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      const checksum = crypto.createHash("sha256").update(sql).digest("hex");
      if (applied.has(name)) {
        if (applied.get(name) !== checksum) throw new Error(`migration ${name} was changed after it was applied to this database`);
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), 1)`, [
          crypto.randomUUID(),
          checksum,
          name,
        ]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${name} failed and was rolled back: ${(error as Error).message}`);
      }
      now.push(name);
    }
    return now;
  } finally {
    await client.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  migratePostgres(url).then(
    (names) => console.log(names.length ? `Applied ${names.length} migration(s): ${names.join(", ")}` : "No pending migrations to apply."),
    (error) => {
      console.error(`Migration failed: ${error.message}`);
      process.exit(1);
    },
  );
}
