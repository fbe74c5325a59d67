import { spawnSync } from "node:child_process";
import pg from "pg";

// Dockyard's own PostgreSQL server (scripts/postgres.sh, Debian's postgresql package), started on first use.

let server: string | undefined;

export function postgresServer(): string {
  if (server) return server;
  const start = spawnSync("bash", ["scripts/postgres.sh", "start"], { encoding: "utf8" });
  if (start.status !== 0) throw new Error(`scripts/postgres.sh start failed:\n${start.stdout}\n${start.stderr}`);
  return (server = start.stdout.trim());
}

/** An empty database of that name (dropped first if it exists); returns its URL. */
export async function freshPostgresDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: `${postgresServer()}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return `${postgresServer()}/${name}`;
}
