import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "../_generated/prisma/client";
import { PrismaClient as PostgresPrismaClient } from "../_generated/prisma-postgresql/client";
import { databaseUrl, usesPostgres } from "@dockyard/contract/server";

// One Prisma client per server process (kept across dev hot reloads), for the database DATABASE_URL names.
// Both clients come from the same models (prisma/postgresql/schema.prisma is derived from prisma/schema.prisma),
// so the PostgreSQL one offers the same API under the SQLite one's type.
function connect(): PrismaClient {
  if (usesPostgres()) return new PostgresPrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl() }) }) as unknown as PrismaClient;
  return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: databaseUrl() }) });
}

const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

export const db = (globalForPrisma.prisma ??= connect());

/** Whether a write failed because a row with that unique key exists (another request made it first). */
export const isUniqueViolation = (e: unknown) => (e as { code?: string } | null)?.code === "P2002";

/**
 * Runs `work` in a transaction, and again (up to 3 times in all) when it lost a race for a unique key: on PostgreSQL
 * two requests can both find no row and both insert it, and the later one fails when the first commits; run again,
 * it finds the row. (SQLite has one writer at a time.) For writes that check first, then insert.
 */
export async function transactionRetryingRaces<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(work);
    } catch (e) {
      if (!isUniqueViolation(e) || attempt === 3) throw e;
    }
  }
}
