import type { NextConfig } from "next";

const config: NextConfig = {
  // Native or Node-only packages stay outside the bundle.
  serverExternalPackages: ["@prisma/adapter-better-sqlite3", "better-sqlite3", "@prisma/adapter-pg", "pg"],
  poweredByHeader: false,
};

export default config;
