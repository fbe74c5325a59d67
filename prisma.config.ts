import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { databaseUrl } from "./lab-runner/src/shared/config";

// Migrations run on Prisma's WASM schema engine through the SQLite driver adapter, so no native engine is
// ever downloaded (scripts/prisma.sh holds the rest of that workaround).
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  adapter: async () => new PrismaBetterSQLite3({ url: databaseUrl() }),
});
