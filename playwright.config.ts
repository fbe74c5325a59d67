import { defineConfig } from "@playwright/test";

// Acceptance tests drive Debian's chromium against the real stack (tests/support/stack.ts starts it).
export default defineConfig({
  testDir: "tests/e2e",
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [["list"]],
  outputDir: ".data/test-results",
  use: {
    launchOptions: {
      executablePath: process.env.DOCKYARD_CHROMIUM ?? "/usr/bin/chromium",
      // Tests send traffic only to this machine: the browser's own background services stay off, and it resolves no
      // host name but loopback (the tests use 127.0.0.1 and localhost; the rules apply to address literals too).
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--no-pings",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]",
      ],
    },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  // Everything on SQLite (the default); what touches the database (tagged @database) once more on PostgreSQL.
  projects: [{ name: "sqlite" }, { name: "postgresql", grep: /@database/ }],
});
