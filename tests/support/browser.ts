// How the acceptance tests launch Debian's chromium (playwright.config.ts; tests/e2e/front.spec.ts adds names).
// Tests send traffic only to this machine: the browser's own background services stay off, and it resolves no
// host name but loopback (the tests use 127.0.0.1 and localhost; the rules apply to address literals too) and the
// reserved names a test maps to it.

export const CHROMIUM = process.env.DOCKYARD_CHROMIUM ?? "/usr/bin/chromium";

/** Chromium's arguments; `toLoopback` are host names (`*.` patterns allowed) resolved to 127.0.0.1. */
export function chromiumArgs(toLoopback: string[] = []): string[] {
  const rules = [...toLoopback.map((name) => `MAP ${name} 127.0.0.1`), "MAP * ~NOTFOUND", "EXCLUDE localhost", "EXCLUDE 127.0.0.1", "EXCLUDE [::1]"];
  return [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-pings",
    "--no-first-run",
    `--host-resolver-rules=${rules.join(", ")}`,
  ];
}
