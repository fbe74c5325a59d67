import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { PROBLEMS } from "../../app/_lib/oidc/problems";
import { Hydra, ISSUER, type HydraClient } from "../support/hydra";
import { Stack } from "../support/stack";
import { finishDockyardSignIn, idTokenFrom, signedInAs, startDockyardSignIn, textOf, Walk } from "../support/sso-walk";

// Single sign-on against a real OpenID Connect provider: Ory Hydra, built from its Go module (scripts/hydra.sh), and
// the real site (its production build) and database. Signing in makes or links accounts and maps roles; the
// provider's refusals and a provider that is down end on a page in plain words; and a token Hydra really signed but
// meant for another client, for another sign-in, or expired, is refused by the site's validation (openid-client).

const NAME = "Example University";
const SITE_PORT = 3710;
const SITE = `http://127.0.0.1:${SITE_PORT}`;
const PASSWORD = "correct horse battery";
const said = (problem: keyof typeof PROBLEMS) => PROBLEMS[problem][1](NAME);

const users = [
  { username: "sam", password: "sam-pw", email: "sam@example.org", emailVerified: true, groups: ["students"] },
  { username: "ada", password: "ada-pw", email: "ada@example.org", emailVerified: true, groups: ["staff", "instructors"] },
  { username: "gus", password: "gus-pw", email: "gus@example.org", emailVerified: true, groups: ["graders"] },
  { username: "linda", password: "linda-pw", email: "Linda@Example.org", emailVerified: true, groups: [] },
  { username: "mallory", password: "mallory-pw", email: "owner@example.org", emailVerified: false, groups: ["instructors"] },
];

describe("single sign-on through Ory Hydra", () => {
  const hydra = new Hydra(users);
  let stack: Stack;
  let dockyard: HydraClient;
  let otherApp: HydraClient;

  /** Signs `username` in through Dockyard's button and the provider's login page; answers where it landed. */
  async function signIn(walk: Walk, username: string, arrange?: (nonce: string) => Promise<void>) {
    const user = hydra.users.get(username)!;
    const { loginPage, nonce } = await startDockyardSignIn(walk, SITE);
    const callback = await walk.logIn(loginPage, user.username, user.password);
    await arrange?.(nonce);
    return finishDockyardSignIn(walk, callback);
  }

  before(async () => {
    // Dockyard's client id is known only once Hydra registers it: the site starts after Hydra, with its settings.
    stack = new Stack({
      name: "sso",
      sitePort: SITE_PORT,
      runnerPort: SITE_PORT + 1,
      env: { DOCKYARD_CONTENT_DIR: path.resolve("tests/fixtures/content"), DOCKYARD_PUBLIC_URL: SITE, DOCKYARD_OIDC_NAME: NAME },
    });
    await stack.reset();
    stack.seedPeople({
      accounts: [
        { email: "linda@example.org", password: PASSWORD, role: "student" },
        { email: "owner@example.org", password: PASSWORD, role: "admin" },
      ],
      cohorts: [],
    });
    await hydra.start();
    dockyard = await hydra.createClient("Dockyard", `${SITE}/auth/oidc/callback`);
    otherApp = await hydra.createClient("Another application", "http://127.0.0.1:4448/callback");
    Object.assign(stack.env, { DOCKYARD_OIDC_ISSUER: ISSUER, DOCKYARD_OIDC_CLIENT_ID: dockyard.clientId, DOCKYARD_OIDC_CLIENT_SECRET: dockyard.clientSecret });
    await stack.startSite();
  });

  after(async () => {
    await stack?.stop();
    await hydra.stop();
  });

  test("the first sign-in makes a student account; the next one opens the same account", async () => {
    const walk = new Walk();
    const landed = await signIn(walk, "sam");
    assert.equal(landed.path, "/");
    assert.equal(await signedInAs(walk, SITE), "sam@example.org student");
    const again = new Walk();
    await signIn(again, "sam");
    assert.equal(await signedInAs(again, SITE), "sam@example.org student");
  });

  test("an existing password account is linked by its verified email", async () => {
    const walk = new Walk();
    await signIn(walk, "linda");
    assert.equal(await signedInAs(walk, SITE), "linda@example.org student", "the provider's Linda@Example.org is the account linda@example.org");
  });

  test("an unverified email links nothing and makes nothing: the page says why", async () => {
    const walk = new Walk();
    const landed = await signIn(walk, "mallory");
    assert.equal(landed.path, "/auth/oidc/error");
    assert.ok(landed.text.includes(said("no_email")), landed.text);
    assert.equal(await signedInAs(walk, SITE), undefined, "mallory did not get owner@example.org's admin account");
  });

  test("the groups claim makes instructors and graders, and takes the role away when the group is left", async () => {
    const ada = new Walk();
    await signIn(ada, "ada");
    assert.equal(await signedInAs(ada, SITE), "ada@example.org instructor");
    const gus = new Walk();
    await signIn(gus, "gus");
    assert.equal(await signedInAs(gus, SITE), "gus@example.org grader");

    hydra.users.get("ada")!.groups = ["staff"];
    const later = new Walk();
    await signIn(later, "ada");
    assert.equal(await signedInAs(later, SITE), "ada@example.org student");
    hydra.users.get("ada")!.groups = ["staff", "instructors"];
  });

  test("cancelling at the provider (error=access_denied) ends on a page in plain words", async () => {
    const walk = new Walk();
    const { loginPage } = await startDockyardSignIn(walk, SITE);
    const callback = await walk.logIn(loginPage, "sam", "", "cancel");
    assert.equal(new URL(callback).searchParams.get("error"), "access_denied", "Hydra sent the provider's refusal");
    const landed = await finishDockyardSignIn(walk, callback);
    assert.equal(landed.path, "/auth/oidc/error");
    assert.ok(landed.text.includes(said("denied")), landed.text);
    assert.ok(!/error_description|stack|at .*\.js/.test(landed.text), "no raw error on the page");
    assert.equal(await signedInAs(walk, SITE), undefined);
  });

  test("a code Hydra refuses to exchange (invalid_grant: already used) ends on a page in plain words", async () => {
    const walk = new Walk();
    const landed = await signIn(walk, "sam", async () => hydra.replayNextExchange());
    assert.equal(landed.path, "/auth/oidc/error");
    assert.ok(landed.text.includes(said("code_refused")), landed.text);
    assert.equal(await signedInAs(walk, SITE), undefined);
  });

  test("a genuine Hydra id_token for another client (wrong audience) is refused", async () => {
    const walk = new Walk();
    const landed = await signIn(walk, "sam", async (nonce) => hydra.swapNextIdToken(await idTokenFrom(otherApp, "sam", "sam-pw", nonce)));
    assert.equal(landed.path, "/auth/oidc/error");
    assert.ok(landed.text.includes(said("wrong_audience")), landed.text);
    assert.equal(await signedInAs(walk, SITE), undefined);
  });

  test("a genuine Hydra id_token of another sign-in (wrong nonce) is refused", async () => {
    const walk = new Walk();
    const landed = await signIn(walk, "sam", async () => hydra.swapNextIdToken(await idTokenFrom(dockyard, "sam", "sam-pw", "another-sign-in-nonce")));
    assert.equal(landed.path, "/auth/oidc/error");
    assert.ok(landed.text.includes(said("wrong_nonce")), landed.text);
    assert.equal(await signedInAs(walk, SITE), undefined);
  });

  test("a genuine Hydra id_token of this very sign-in, presented after it expired, is refused", async () => {
    const walk = new Walk();
    const landed = await signIn(walk, "sam", async (nonce) => {
      const token = await idTokenFrom(dockyard, "sam", "sam-pw", nonce);
      const { exp } = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { exp: number };
      // Hydra's id_tokens live 1 s; openid-client tolerates 30 s of clock skew: wait until it is past both.
      await new Promise((r) => setTimeout(r, Math.max(0, (exp + 31) * 1000 - Date.now())));
      hydra.swapNextIdToken(token);
    });
    assert.equal(landed.path, "/auth/oidc/error");
    assert.ok(landed.text.includes(said("expired")), landed.text);
    assert.equal(await signedInAs(walk, SITE), undefined);
  });

  test("a callback without this browser's attempt (another browser's link) is refused", async () => {
    const walk = new Walk();
    const { loginPage } = await startDockyardSignIn(walk, SITE);
    const callback = await walk.logIn(loginPage, "sam", "sam-pw");
    const elsewhere = new Walk();
    const landed = await finishDockyardSignIn(elsewhere, callback);
    assert.equal(landed.path, "/auth/oidc/error");
    assert.ok(landed.text.includes(said("stale")), landed.text);
    assert.equal(await signedInAs(elsewhere, SITE), undefined);
  });

  // Last: it restarts the site and Hydra (whose memory then forgets Dockyard's client).
  test("a provider that cannot be reached ends on a page in plain words, and is asked again once it is back", async () => {
    await hydra.stop();
    await stack.restartSite(); // a new site process: discovery is not cached yet
    const walk = new Walk();
    const landed = await walk.follow(`${SITE}/auth/oidc/start`);
    assert.equal(new URL(landed.url).pathname, "/auth/oidc/error");
    assert.ok(textOf(await landed.response!.text()).includes(said("unreachable")));

    await hydra.start();
    const retried = await new Walk().follow(`${SITE}/auth/oidc/start`, (next) => next.href.startsWith(ISSUER));
    assert.ok(retried.url.startsWith(`${ISSUER}oauth2/auth?`), `the failed discovery was not kept: ${retried.url}`);
  });
});
