import { test as base, expect, type BrowserContext, type ConsoleMessage } from "@playwright/test";

// Playwright's `test` with one more check after every test: no page the test opened, in any of its browser contexts,
// broke the site's Content-Security-Policy. Chromium reports each blocked script, style, connection or frame as a
// console error naming the policy. A spec that means to provoke one reads `cspViolations` and empties it.

export { expect };

const isViolation = (message: ConsoleMessage) => message.type() === "error" && /Content Security Policy/i.test(message.text());

export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ browser, context }, use) => {
      const violations: string[] = [];
      const watch = (c: BrowserContext) => c.on("console", (m) => isViolation(m) && violations.push(`${m.page()?.url()}: ${m.text()}`));
      watch(context);
      // Specs open contexts of their own (a grader beside a learner): those are watched too.
      const newContext = browser.newContext;
      browser.newContext = async (...args) => {
        const made = await newContext.apply(browser, args);
        watch(made);
        return made;
      };
      await use(violations);
      browser.newContext = newContext;
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});
