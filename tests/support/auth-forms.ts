import { expect, type Browser, type Page } from "@playwright/test";

// The sign-in and sign-up forms as a visitor uses them, for the limits' acceptance tests (tests/e2e/throttle*.spec.ts).

export const WRONG = "Wrong email or password. Check both and try again.";
export const TOO_MANY = /^Too many attempts: try again in (\d+) s\.$/;

export interface Visitor {
  page: Page;
  /** Opens the form afresh, fills it in and sends it with the keyboard; answers the error it announces, or "signed in as <email> <role>". */
  submit(email: string, password: string): Promise<string>;
  signOut(): Promise<void>;
}

/** A browser of its own, using the sign-in or sign-up form of `siteUrl`, that says it comes from `address` (X-Forwarded-For). */
export async function visitor(browser: Browser, siteUrl: string, address: string, form: "signin" | "signup"): Promise<Visitor> {
  const context = await browser.newContext({ extraHTTPHeaders: { "X-Forwarded-For": address } });
  const page = await context.newPage();
  return {
    page,
    async submit(email, password) {
      await page.goto(`${siteUrl}/${form}`);
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.getByLabel("Password").press("Enter");
      const errors = page.getByRole("form", { name: form === "signin" ? "Sign in" : "Create an account" }).getByRole("alert");
      const signedIn = page.getByTestId("signed-in-as");
      await expect(errors.or(signedIn)).toBeVisible();
      if (await signedIn.isVisible()) return `signed in as ${(await signedIn.textContent())!.replace(/\s+/g, " ").trim()}`;
      return (await errors.textContent())!.trim();
    },
    async signOut() {
      await page.getByRole("button", { name: "Sign out" }).click();
      await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
    },
  };
}

export const waitOf = (answer: string) => Number(answer.match(TOO_MANY)![1]);
