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
    this.child = spawn(python, [script, String(PLATFORM_PORT)], { cwd: path.dirname(script), stdio: ["ignore", "pipe", "pipe"] });
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
    if (name !== undefined) fields[unescape(name)] = unescape(value ?? "");
  }
  return { action: new URL(unescape(form[1]!), page.url).href, fields };
}

const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/**
 * A browser's part in LTI without the rendering: follows redirects, keeps cookies per host (all of them, as
 * browsers do for same-site frames), and submits a page's auto-posted form. `lastForm` is the last form it
 * submitted (a test replays it).
 */
export class LtiBrowser {
  readonly cookies = new Map<string, Map<string, string>>();
  lastForm?: { action: string; fields: Record<string, string> };

  /** Opens url and goes on through redirects and auto-posted forms until a page that is neither. */
  async open(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    let page = await this.follow(url, init.method ?? "GET", init.form);
    for (let forms = 0; forms < 5; forms++) {
      const form = autoPostForm(page);
      if (!form) return page;
      this.lastForm = form;
      page = await this.follow(form.action, "POST", form.fields);
    }
    throw new Error(`more than 5 auto-posted forms from ${url}`);
  }

  /** Submits the last auto-posted form again, as an attacker who captured it would. */
  replay(): Promise<Page> {
    if (!this.lastForm) throw new Error("no form to replay");
    return this.follow(this.lastForm.action, "POST", this.lastForm.fields);
  }

  private async follow(url: string, method: string, form?: Record<string, string>): Promise<Page> {
    let current = url;
    let body: string | undefined = form ? new URLSearchParams(form).toString() : undefined;
    for (let hops = 0; hops < 10; hops++) {
      const target = new URL(current);
      const headers: Record<string, string> = {};
      const jar = this.cookies.get(target.host);
      if (jar?.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
      if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
      const response = await fetch(current, { method, headers, body, redirect: "manual" });
      this.keepCookies(target.host, response);
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).href;
        if (response.status !== 307 && response.status !== 308) {
          method = "GET";
          body = undefined;
        }
        continue;
      }
      return { url: current, status: response.status, body: await response.text() };
    }
    throw new Error(`more than 10 redirects from ${url}`);
  }

  private keepCookies(host: string, response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const jar = this.cookies.get(host) ?? new Map<string, string>();
      this.cookies.set(host, jar);
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
  }
}
