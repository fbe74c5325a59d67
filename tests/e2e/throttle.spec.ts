import path from "node:path";
import { test, expect } from "@playwright/test";
import { TOO_MANY, visitor, waitOf, WRONG } from "../support/auth-forms";
import { projectDatabase, Stack } from "../support/stack";

// Sign-in and sign-up limits on the real site and database, with small limits set in the stack's environment.
// Browsers come from client addresses of their own the way the front server tells the site: X-Forwarded-For (the site
// listens on loopback only, so whatever reaches it is the front server or this host).

const FIXTURE = path.resolve("tests/fixtures/content");
const PASSWORD = "correct horse battery";
const REFUSED = "No account was made with this email and password. If you already have an account, sign in with its password; if not, use another email.";

test.describe("an account that failed too often waits", { tag: "@database" }, () => {
  test.describe.configure({ mode: "serial" });
  let stack: Stack;

  test.beforeAll(async ({}, testInfo) => {
    const database = projectDatabase(testInfo);
    const env = { DOCKYARD_CONTENT_DIR: FIXTURE, DOCKYARD_SIGNIN_FAILURES_PER_ACCOUNT: "3", DOCKYARD_AUTH_FIRST_WAIT_SECONDS: "8" };
    stack = new Stack({ name: `e2e-throttle-account-${database}`, sitePort: 3330, runnerPort: 3331, database, env });
    await stack.reset();
    stack.seedPeople({ accounts: [{ email: "ada@example.com", password: PASSWORD, role: "student" }], cohorts: [] });
    await stack.startSite();
  });
  test.afterAll(async () => {
    await stack.stop();
  });

  test("after the free failures the account waits, the right password is refused meanwhile, and works after the wait", async ({ browser }) => {
    const ada = await visitor(browser, stack.siteUrl, "203.0.113.7", "signin");
    const stranger = await visitor(browser, stack.siteUrl, "203.0.113.8", "signin");
    for (let i = 0; i < 3; i++) {
      expect(await ada.submit("ada@example.com", `wrong password ${i}`)).toBe(WRONG);
      // An email without an account is answered the same: the limit tells nobody which emails have one.
      expect(await stranger.submit("nobody@example.com", `wrong password ${i}`)).toBe(WRONG);
    }
    expect(await ada.submit("ada@example.com", "wrong password 3")).toBe(`${WRONG} Too many attempts: try again in 8 s.`);
    expect(await stranger.submit("nobody@example.com", "wrong password 3")).toBe(`${WRONG} Too many attempts: try again in 8 s.`);

    const refused = await ada.submit("ada@example.com", PASSWORD);
    expect(refused).toMatch(TOO_MANY);
    await expect(ada.page.getByTestId("signed-in-as")).toHaveCount(0);
    await expect(ada.page.getByLabel("Email")).toHaveValue("ada@example.com");
    // From another address too: the account waits, wherever the attempt comes from.
    expect(await stranger.submit("ada@example.com", PASSWORD)).toMatch(TOO_MANY);

    await ada.page.waitForTimeout(waitOf(refused) * 1000);
    expect(await ada.submit("ada@example.com", PASSWORD)).toBe("signed in as ada@example.com student");

    // Signing in started the account's count over: a wrong password now is just wrong.
    await ada.signOut();
    expect(await ada.submit("ada@example.com", "wrong again")).toBe(WRONG);
  });
});

test.describe("an address that tries too often waits, whatever the accounts", { tag: "@database" }, () => {
  test.describe.configure({ mode: "serial" });
  let stack: Stack;
  const env = {
    DOCKYARD_CONTENT_DIR: FIXTURE,
    DOCKYARD_SIGNIN_FAILURES_PER_ACCOUNT: "3",
    DOCKYARD_SIGNIN_FAILURES_PER_ADDRESS: "3",
    DOCKYARD_SIGNUPS_PER_ADDRESS: "2",
    DOCKYARD_AUTH_FIRST_WAIT_SECONDS: "300",
  };

  test.beforeAll(async ({}, testInfo) => {
    const database = projectDatabase(testInfo);
    stack = new Stack({ name: `e2e-throttle-address-${database}`, sitePort: 3340, runnerPort: 3341, database, env });
    await stack.reset();
    stack.seedPeople({ accounts: [{ email: "kim@example.com", password: PASSWORD, role: "student" }], cohorts: [] });
    await stack.startSite();
  });
  test.afterAll(async () => {
    await stack.stop();
  });

  test("one address failing on many accounts waits, other addresses do not; another site process sees the same counts", async ({ browser }) => {
    const sprayer = await visitor(browser, stack.siteUrl, "203.0.113.7", "signin");
    for (const who of ["a", "b", "c"]) expect(await sprayer.submit(`${who}@example.com`, PASSWORD)).toBe(WRONG);
    expect(await sprayer.submit("d@example.com", PASSWORD)).toBe(`${WRONG} Too many attempts: try again in 300 s.`);
    expect(await sprayer.submit("kim@example.com", PASSWORD)).toMatch(TOO_MANY);

    const kim = await visitor(browser, stack.siteUrl, "203.0.113.8", "signin");
    expect(await kim.submit("kim@example.com", PASSWORD)).toBe("signed in as kim@example.com student");

    // The counts are in the database: a second site process on it refuses the address just the same.
    const database: Record<string, string> = stack.env.DATABASE_URL ? { DATABASE_URL: stack.env.DATABASE_URL } : {};
    const second = new Stack({ ...stack.options, sitePort: 3342, runnerPort: 3343, env: { ...env, ...database } });
    await second.startSite();
    try {
      const answer = await (await visitor(browser, second.siteUrl, "203.0.113.7", "signin")).submit("kim@example.com", PASSWORD);
      expect(answer).toMatch(TOO_MANY);
      expect(waitOf(answer)).toBeGreaterThan(200);
    } finally {
      await second.stop();
    }
  });

  test("sign-up answers a taken email as it would a free one, bounded by the limit; its refusals count against the account", async ({ browser }) => {
    const visitorA = await visitor(browser, stack.siteUrl, "198.51.100.20", "signup");
    // A new email and an email with an account (with its right password) both end signed in, on the same page.
    expect(await visitorA.submit("new@example.com", PASSWORD)).toBe("signed in as new@example.com student");
    const landedNew = new URL(visitorA.page.url()).pathname;
    await visitorA.signOut();
    expect(await visitorA.submit("kim@example.com", PASSWORD)).toBe("signed in as kim@example.com student");
    expect(new URL(visitorA.page.url()).pathname).toBe(landedNew);
    await visitorA.signOut();
    // Another password: a refusal that does not say the email has an account. It was the address's 3rd sign-up.
    expect(await visitorA.submit("KIM@example.com", "another good password")).toBe(`${REFUSED} Too many attempts: try again in 300 s.`);
    await expect(visitorA.page.getByLabel("Email")).toBeFocused();

    // Now the address waits, whether the email is free or taken, and the answers are the same.
    const taken = await visitorA.submit("kim@example.com", "yet another password");
    const free = await visitorA.submit("free@example.com", PASSWORD);
    expect(taken).toMatch(TOO_MANY);
    expect(free.replace(/\d+/, "N")).toBe(taken.replace(/\d+/, "N"));

    // Refused sign-ups are failed sign-ins of the account: after 3 more (1 above), kim must wait, wherever from.
    const visitorB = await visitor(browser, stack.siteUrl, "198.51.100.21", "signup");
    expect(await visitorB.submit("kim@example.com", "a guessed password")).toBe(REFUSED);
    expect(await visitorB.submit("kim@example.com", "another guessed one")).toBe(REFUSED);
    expect(await visitorB.submit("kim@example.com", "a third guess here")).toBe(`${REFUSED} Too many attempts: try again in 300 s.`);
    const signIn = await visitor(browser, stack.siteUrl, "198.51.100.22", "signin");
    expect(await signIn.submit("kim@example.com", PASSWORD)).toMatch(TOO_MANY);
  });
});
