import { defineConfig } from "@playwright/test";
import { CHROMIUM, chromiumArgs } from "./tests/support/browser";

// Acceptance tests drive Debian's chromium against the real stack (tests/support/stack.ts starts it).
export default defineConfig({
  testDir: "tests/e2e",
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [["list"]],
  outputDir: ".data/test-results",
  use: {
    // Debian's chromium, resolving only loopback names (tests/support/browser.ts).
    launchOptions: { executablePath: CHROMIUM, args: chromiumArgs() },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  // Everything on SQLite (the default); what touches the database (tagged @database) once more on PostgreSQL.
  projects: [{ name: "sqlite" }, { name: "postgresql", grep: /@database/ }],
});
