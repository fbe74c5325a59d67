import type { NextConfig } from "next";
import { FIXED_HEADERS, FRAME_DENY_HEADERS, FRAME_DENY_SOURCE, STATIC_POLICY } from "./app/_lib/securityHeaders";

const config: NextConfig = {
  // Native or Node-only packages stay outside the bundle.
  serverExternalPackages: ["@prisma/adapter-better-sqlite3", "better-sqlite3", "@prisma/adapter-pg", "pg"],
  poweredByHeader: false,
  // forbidden() and unauthorized(): refused pages answer 403 and 401 (app/forbidden.tsx, app/unauthorized.tsx).
  experimental: { authInterrupts: true },
  // The fixed security headers on every response; pages and API answers get their Content-Security-Policy from
  // proxy.ts, static files (which proxy.ts does not see) theirs here.
  async headers() {
    return [
      { source: "/:path*", headers: FIXED_HEADERS },
      // Everything but an embedded lesson refuses every frame (app/_lib/securityHeaders.ts).
      { source: FRAME_DENY_SOURCE, headers: FRAME_DENY_HEADERS },
      { source: "/_next/:path*", headers: [{ key: "Content-Security-Policy", value: STATIC_POLICY }] },
    ];
  },
};

export default config;
