import { test as base, expect, type BrowserContext, type ConsoleMessage } from "@playwright/test";

// Playwright's `test` with one more check after every test: no page the test opened, in any of its browser contexts,
// broke the site's Content-Security-Policy. Chromium logs most blocked scripts, styles, connections and frames as
// console errors naming the policy, but not all (a blocked WebAssembly compile only throws): each page also reports
// its `securitypolicyviolation` events to the console. A spec that means to provoke one reads `cspViolations` and
// empties it.

export { expect };

const isViolation = (message: ConsoleMessage) => message.type() === "error" && /Content Security Policy/i.test(message.text());

function reportViolations() {
  document.addEventListener("securitypolicyviolation", (e) =>
    console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`),
  );
}

export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ browser, context }, use) => {
      const violations: string[] = [];
      const watch = async (c: BrowserContext) => {
        c.on("console", (m) => isViolation(m) && violations.push(`${m.page()?.url()}: ${m.text()}`));
        await c.addInitScript(reportViolations);
      };
      await watch(context);
      // Specs open contexts of their own (a grader beside a learner): those are watched too.
      const newContext = browser.newContext;
      browser.newContext = async (...args) => {
        const made = await newContext.apply(browser, args);
        await watch(made);
        return made;
      };
      await use(violations);
      browser.newContext = newContext;
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});
