import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { pythonWith } from "./python-venv";

// The tests' LMS: tests/support/lti-platform/platform.py (PyPI's lti1p3platform behind a small HTTP server) on
// 127.0.0.1:9401, started and stopped by a test, set up and read through its /control endpoints. LtiBrowser walks
// an LTI exchange as a browser does: it follows redirects, keeps cookies, and submits auto-posted forms.

export const PLATFORM_PORT = 9401;
const REQUIREMENTS = ["lti1p3platform==0.1.8"];

export const ROLE = {
  instructor: "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
  teachingAssistant: "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
  learner: "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
  administrator: "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
};

/** What the platform told the tool about itself (what an admin copies from an LMS into Dockyard). */
export interface PlatformRegistration {
  issuer: string;
  clientId: string;
  deploymentId: string;
  authLoginUrl: string;
  authTokenUrl: string;
  jwksUrl: string;
  openidConfiguration: string;
  registrationToken: string;
}

export interface ToolUrls {
  loginUrl: string;
  launchUrl: string;
  deepLinkUrl?: string;
  jwksUrl: string;
}

export type Fault = "bad-signature" | "replay-nonce" | "wrong-deployment" | "expired";

export interface LaunchSetup {
  platform: string;
  messageType?: "LtiResourceLinkRequest" | "LtiDeepLinkingRequest";
  user: { id: string; name?: string; email?: string };
  roles: string[];
  context?: { id: string; title: string };
  resourceLink?: { id: string; title?: string };
  custom?: Record<string, string>;
  /** Where the LMS shows the tool (launch_presentation.document_target): its frame unless "window". */
  presentation?: "iframe" | "window";
  fault?: Fault;
}

export interface Records {
  launches: { platform: string; launch: string; nonce: string; fault: Fault | null }[];
  deepLinks: { platform: string; items: Record<string, unknown>[]; data: unknown; message?: string }[];
  registrations: { platform: string; request: Record<string, unknown> }[];
  errors: { platform: string; at: string; problems: string[] }[];
}

export class LtiPlatform {
  readonly url = `http://127.0.0.1:${PLATFORM_PORT}`;
  private child?: ChildProcess;
  private output = "";

  async start(): Promise<void> {
    const python = pythonWith("lti-platform", REQUIREMENTS);
    const script = path.resolve("tests/support/lti-platform/platform.py");
    this.child = spawn(python, [script, String(PLATFORM_PORT)], {
      cwd: path.dirname(script),
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (process.env.DOCKYARD_TEST_VERBOSE) process.stderr.write(chunk.toString().replace(/^/gm, "[lti-platform] "));
    };
    this.child.stdout!.on("data", keep);
    this.child.stderr!.on("data", keep);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`the LTI platform exited with ${this.child.exitCode}:\n${this.output}`);
      try {
        if ((await fetch(`${this.url}/control/records`)).ok) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the LTI platform did not answer within 20 s:\n${this.output}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }

  private async control<T>(method: "GET" | "POST", route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/control/${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`platform ${method} /control/${route}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** A new LMS on this server; with `tool`, Dockyard is registered in it by hand (else by Dynamic Registration). */
  createPlatform(name: string, tool?: ToolUrls): Promise<PlatformRegistration> {
    return this.control("POST", "platforms", { name, tool });
  }

  /**
   * A new LMS with Dockyard registered in it by hand, and it registered in Dockyard's database as an admin would
   * (this process must already point DOCKYARD_DATA_DIR at the site's data).
   */
  async createRegistered(name: string, siteUrl: string): Promise<{ registration: PlatformRegistration; platformId: string }> {
    const registration = await this.createPlatform(name, toolUrls(siteUrl));
    const { addPlatform } = await import("../../app/_lib/lti/platforms");
    const { issuer, clientId, authLoginUrl, authTokenUrl, jwksUrl, deploymentId } = registration;
    const platformId = await addPlatform({
      name: `${name.charAt(0).toUpperCase()}${name.slice(1)} (test)`,
      issuer,
      clientId,
      authLoginUrl,
      authTokenUrl,
      jwksUrl,
      deploymentIds: [deploymentId],
    });
    return { registration, platformId };
  }

  platform(name: string): Promise<PlatformRegistration & { tool: Record<string, unknown> | null }> {
    return this.control("GET", `platforms/${encodeURIComponent(name)}`);
  }

  /** Sets up a launch; open the answer's `url` (with an LtiBrowser) to run it. */
  setUpLaunch(setup: LaunchSetup): Promise<{ id: string; url: string }> {
    return this.control("POST", "launches", setup);
  }

  records(): Promise<Records> {
    return this.control("GET", "records");
  }
}

/** The tool's URLs on a Dockyard site (what the platform is told when Dockyard is registered by hand). */
export const toolUrls = (siteUrl: string): ToolUrls => ({
  loginUrl: `${siteUrl}/lti/login`,
  launchUrl: `${siteUrl}/lti/launch`,
  jwksUrl: `${siteUrl}/lti/jwks`,
});

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

/** An auto-submitted form in a page: where it posts and its fields. */
export function autoPostForm(page: Page): { action: string; fields: Record<string, string> } | undefined {
  if (!/\.submit\(\)/.test(page.body)) return undefined;
  const form = page.body.match(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/);
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input[^>]*>/g)) {
    const name = input[0].match(/name="([^"]*)"/)?.[1];
    const value = input[0].match(/value="([^"]*)"/)?.[1];
    if (name !== undefined) fields[unescapeHtml(name)] = unescapeHtml(value ?? "");
  }
  return { action: new URL(unescapeHtml(form[1]!), page.url).href, fields };
}

/** Text as a page shows it: HTML's character references undone (&amp;, &quot;, &#39;, &#x27;, …). */
export const unescapeHtml = (s: string) =>
  s
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

type Jar = Map<string, Map<string, string>>;
const copyJar = (jar: Jar): Jar => new Map([...jar].map(([host, cookies]) => [host, new Map(cookies)]));

/**
 * A browser's part in LTI without the rendering: follows redirects, keeps cookies per host (all of them, as
 * browsers do for same-site frames), and submits a page's auto-posted form with the Origin a browser sends.
 * `replay()` posts the last such form again with the cookies it went with, as an attacker who captured both would.
 */
export class LtiBrowser {
  cookies: Jar = new Map();
  private last?: { action: string; fields: Record<string, string>; origin: string; cookies: Jar };
  /** The page that carried the last auto-posted form. */
  lastFormPage?: Page;

  /** Opens url (a GET, or a form POST from a page at `origin`) and goes on through redirects and auto-posted forms. */
  async open(url: string, init: { form?: Record<string, string> | URLSearchParams; origin?: string } = {}): Promise<Page> {
    let page = await this.follow(url, init.form && new URLSearchParams(init.form), init.origin);
    for (let forms = 0; forms < 5; forms++) {
      const form = autoPostForm(page);
      if (!form) return page;
      const origin = new URL(page.url).origin;
      this.last = { ...form, origin, cookies: copyJar(this.cookies) };
      this.lastFormPage = page;
      page = await this.follow(form.action, new URLSearchParams(form.fields), origin);
    }
    throw new Error(`more than 5 auto-posted forms from ${url}`);
  }

  /** The last auto-posted form this browser submitted. */
  get lastForm(): { action: string; fields: Record<string, string> } | undefined {
    return this.last && { action: this.last.action, fields: this.last.fields };
  }

  async replay(): Promise<Page> {
    if (!this.last) throw new Error("no form to replay");
    this.cookies = copyJar(this.last.cookies);
    return this.follow(this.last.action, new URLSearchParams(this.last.fields), this.last.origin);
  }

  setCookie(host: string, name: string, value: string) {
    const jar = this.cookies.get(host) ?? new Map<string, string>();
    this.cookies.set(host, jar);
    jar.set(name, value);
  }

  private async follow(url: string, form?: URLSearchParams, origin?: string): Promise<Page> {
    let current = url;
    let body = form?.toString();
    for (let hops = 0; hops < 10; hops++) {
      const target = new URL(current);
      const headers: Record<string, string> = {};
      const jar = this.cookies.get(target.host);
      if (jar?.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
      if (body !== undefined) Object.assign(headers, { "content-type": "application/x-www-form-urlencoded", ...(origin && { origin }) });
      const response = await fetch(current, { method: body === undefined ? "GET" : "POST", headers, body, redirect: "manual" });
      this.keepCookies(target.host, response);
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).href;
        if (response.status !== 307 && response.status !== 308) body = undefined;
        continue;
      }
      return { url: current, status: response.status, headers: response.headers, body: await response.text() };
    }
    throw new Error(`more than 10 redirects from ${url}`);
  }

  private keepCookies(host: string, response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.get(host)?.delete(name);
      else this.setCookie(host, name, value);
    }
  }
}
