import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../_generated/prisma/client";
import { databaseUrl } from "@/lab-runner/src/shared/config";

// One Prisma client per server process (kept across dev hot reloads).
const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

export const db = (globalForPrisma.prisma ??= new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: databaseUrl() }) }));
