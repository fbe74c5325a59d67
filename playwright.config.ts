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
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  // Everything on SQLite (the default); what touches the database (tagged @database) once more on PostgreSQL.
  projects: [{ name: "sqlite" }, { name: "postgresql", grep: /@database/ }],
});
