import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { migratePostgres, migrationNames } from "../../prisma/postgresql/migrate";
import { freshPostgresDatabase } from "../support/postgres";
import type { CheckResult } from "@dockyard/contract";

// PostgreSQL through DATABASE_URL, against a real server (Debian's postgresql, scripts/postgres.sh).

const prisma = (args: string[], env: Record<string, string> = {}) => {
  const run = spawnSync("bash", ["scripts/prisma.sh", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  if (run.status !== 0) throw new Error(`scripts/prisma.sh ${args.join(" ")} failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
};

async function rows<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The schema as pg_dump prints it, without comments, session settings or Prisma's history table. */
const schemaOf = (url: string) =>
  execFileSync("pg_dump", ["--schema-only", "--no-owner", "--exclude-table=_prisma_migrations", url], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.trim() && !/^(--|SET |SELECT pg_catalog|\\(un)?restrict )/.test(line))
    .join("\n");

test("the PostgreSQL schema is the SQLite schema with the other provider", () => {
  prisma(["check-twin"]);
});

describe("PostgreSQL", () => {
  test("migrations apply once each, in order, into Prisma's history table", async () => {
    const url = await freshPostgresDatabase("dockyard_test_migrate");
    assert.deepEqual(await migratePostgres(url), migrationNames());
    assert.deepEqual(await migratePostgres(url), [], "a second run applies nothing");
    const history = await rows<{ migration_name: string }>(url, `SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`);
    assert.deepEqual(
      history.map((r) => r.migration_name),
      migrationNames(),
    );
    assert.equal(prisma(["migrate", "deploy"], { DATABASE_URL: url }).trim(), "No pending migrations to apply.");
  });

  test("a migration edited after it was applied is refused, and a failing one leaves nothing behind", async () => {
    const url = await freshPostgresDatabase("dockyard_test_edited");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-migrations-"));
    try {
      fs.cpSync(path.join("prisma", "postgresql", "migrations"), dir, { recursive: true });
      await migratePostgres(url, dir);
      const first = path.join(dir, migrationNames(dir)[0]!, "migration.sql");
      fs.appendFileSync(first, "\n-- edited\n");
      await assert.rejects(migratePostgres(url, dir), /was changed after it was applied/);

      fs.mkdirSync(path.join(dir, "99999999999999_broken"));
      fs.writeFileSync(path.join(dir, "99999999999999_broken", "migration.sql"), `CREATE TABLE "Half" (id INT); SELECT no_such_function();`);
      fs.writeFileSync(first, fs.readFileSync(first, "utf8").replace("\n-- edited\n", ""));
      await assert.rejects(migratePostgres(url, dir), /99999999999999_broken failed and was rolled back/);
      assert.deepEqual(await rows(url, `SELECT 1 FROM pg_tables WHERE tablename = 'Half'`), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the migrations build exactly the schema prisma/postgresql/schema.prisma describes", async () => {
    const migrated = await freshPostgresDatabase("dockyard_test_migrated");
    await migratePostgres(migrated);
    const expected = await freshPostgresDatabase("dockyard_test_expected");
    const sql = prisma(["migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/postgresql/schema.prisma", "--script"], {
      DATABASE_URL: expected,
    });
    await rows(expected, sql);
    assert.match(schemaOf(expected), /CREATE TABLE public."StepCompletion"/);
    assert.equal(schemaOf(migrated), schemaOf(expected));
  });

  test("the site records and reads progress on PostgreSQL, and it is still there for a new process", async () => {
    const url = await freshPostgresDatabase("dockyard_test_progress");
    await migratePostgres(url);
    const passed: CheckResult = { passed: true, message: "Well done", criteria: [] };
    const failed: CheckResult = { passed: false, message: "not yet", criteria: [] };
    // The site's own data access, in a process of its own with DATABASE_URL set, as the site runs.
    const site = (code: string) =>
      execFileSync("node", ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", env: { ...process.env, DATABASE_URL: url } });
    const record = (result: CheckResult) =>
      `const p = await import("./app/_lib/progress.ts"); await p.recordAttempt("learner-1", "first-container", "hello-busybox", ${JSON.stringify(result)}); process.exit(0);`;
    site(record(failed));
    site(record(passed));
    site(record(passed));
    const read = site(`const p = await import("./app/_lib/progress.ts"); console.log(JSON.stringify(await p.completedSteps("learner-1"))); process.exit(0);`);
    assert.deepEqual(JSON.parse(read.trim().split("\n").at(-1)!), [{ lessonSlug: "first-container", stepId: "hello-busybox" }]);
    const attempts = await rows<{ passed: boolean }>(url, `SELECT passed FROM "CheckAttempt" ORDER BY id`);
    assert.deepEqual(
      attempts.map((a) => a.passed),
      [false, true, true],
      "every attempt is kept as evidence",
    );
  });
});
