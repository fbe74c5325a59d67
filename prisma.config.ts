import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
// eslint-disable-next-line no-restricted-imports -- Prisma's CLI loads this file without tsconfig's paths
import { databaseUrl, usesPostgres } from "./lab-runner/contract/config";

// Prisma's CLI runs on its WASM schema engine through a driver adapter, so no native engine is ever downloaded
// (scripts/prisma.sh holds the rest of that workaround). The adapter follows DATABASE_URL.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  adapter: async () => (usesPostgres() ? new PrismaPg({ connectionString: databaseUrl() }) : new PrismaBetterSQLite3({ url: databaseUrl() })),
});
