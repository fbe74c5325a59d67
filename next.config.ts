import type { NextConfig } from "next";

const config: NextConfig = {
  // Native or Node-only packages stay outside the bundle.
  serverExternalPackages: ["@prisma/adapter-better-sqlite3", "better-sqlite3", "@prisma/adapter-pg", "pg"],
  poweredByHeader: false,
  // forbidden() and unauthorized(): refused pages answer 403 and 401 (app/forbidden.tsx, app/unauthorized.tsx).
  experimental: { authInterrupts: true },
};

export default config;
