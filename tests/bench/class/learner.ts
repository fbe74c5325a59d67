import { performance } from "node:perf_hooks";
import type { ServerMessage } from "@dockyard/contract";
import { TerminalClient } from "../../support/terminal-client";

// One learner as their browser talks to the site: a cookie jar, the no-JavaScript sign-up form (the server
// action's own form fields), then what the lesson page does (app/lessons/[slug]/page.tsx, TerminalPanel.tsx):
// load the page, POST /api/labs/<slug> for a terminal token, open the lab-runner's terminal WebSocket and
// wait for "ready", then send the terminal's size and the step being worked on.

export const PASSWORD = "correct horse battery staple";

/** What opening the lesson took, timed from the page request (the moment the learner opens the lesson). */
export interface Opening {
  /** Until the lesson page's HTML arrived. */
  pageMs: number;
  /** Until POST /api/labs/<slug> answered with the terminal token. */
  apiMs: number;
  /** Until the terminal said "ready"; undefined if it never did. */
  readyMs?: number;
  /** The furthest back in the boot queue the lab was told it stood (0: never queued). */
  maxPosition: number;
  /** The boot stages the lab-runner reported, in order (a lab it did not boot reports fewer). */
  stages: string[];
  /** Whether the lab-runner said it resumed a suspended lab. */
  resumed: boolean;
  /** Why the lab did not become ready. */
  error?: string;
}

const decodeEntities = (s: string) =>
  s.replace(/&(quot|amp|lt|gt|#39|#x27);/g, (_, e: string) => ({ quot: '"', amp: "&", lt: "<", gt: ">", "#39": "'", "#x27": "'" })[e]!);

export class Learner {
  private readonly cookies = new Map<string, string>();
  sandboxId?: string;
  terminal?: TerminalClient;

  constructor(
    readonly site: string,
    readonly lesson: string,
    /** The step the page has open (the first graded one): the terminal is told it, and the page checks it after commands. */
    readonly step: string,
    readonly email: string,
  ) {}

  /** A request of this learner's browser: its cookies sent, the ones set kept, redirects not followed; Origin sent as browsers send it. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>), cookie };
    if (init.method && init.method !== "GET") headers.origin = this.site;
    const res = await fetch(`${this.site}${path}`, { ...init, redirect: "manual", headers });
    for (const set of res.headers.getSetCookie()) {
      const [pair = ""] = set.split(";");
      const at = pair.indexOf("=");
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  }

  /** Creates the learner's account with the sign-up page's form, as a browser without JavaScript posts it. */
  async signUp(): Promise<void> {
    const res = await this.submitAccountForm("/signup", "Create an account");
    if (res.status !== 303) throw new Error(`signing up ${this.email} answered ${res.status}, not a redirect: ${(await res.text()).slice(0, 300)}`);
  }

  /** Signs in with the sign-in page's form; the answer (a 303 redirect when the password is right). */
  signIn(password = PASSWORD): Promise<Response> {
    return this.submitAccountForm("/signin", "Sign in", password);
  }

  private async submitAccountForm(path: string, label: string, password = PASSWORD): Promise<Response> {
    const page = await this.fetch(path);
    const html = await page.text();
    const form = html.match(new RegExp(`<form[^>]*aria-label="${label}"[\\s\\S]*?</form>`))?.[0];
    if (!page.ok || !form) throw new Error(`GET ${path} answered ${page.status} without the "${label}" form`);
    const body = new FormData();
    for (const input of form.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = input[0].match(/name="([^"]*)"/)?.[1];
      if (name) body.append(decodeEntities(name), decodeEntities(input[0].match(/value="([^"]*)"/)?.[1] ?? ""));
    }
    body.append("email", this.email);
    body.append("password", password);
    return this.fetch(path, { method: "POST", body });
  }

  /** Opens the lesson as its page does, until the terminal is ready (or refused, or `timeoutMs` passed). */
  async open(timeoutMs: number): Promise<Opening> {
    const t0 = performance.now();
    const opening: Opening = { pageMs: NaN, apiMs: NaN, maxPosition: 0, stages: [], resumed: false };
    try {
      const page = await this.fetch(`/lessons/${this.lesson}`);
      await page.text();
      if (!page.ok) throw new Error(`the lesson page answered ${page.status}`);
      opening.pageMs = performance.now() - t0;
      const res = await this.fetch(`/api/labs/${this.lesson}`, { method: "POST" });
      const access = await res.json();
      if (!res.ok) throw new Error(`POST /api/labs/${this.lesson} answered ${res.status}: ${access.message}`);
      opening.apiMs = performance.now() - t0;
      this.sandboxId = access.sandboxId;
      const terminal = new TerminalClient(`${access.terminalUrl}?token=${encodeURIComponent(access.token)}`);
      this.terminal = terminal;
      terminal.socket.on("error", () => {}); // told by the close that follows
      terminal.socket.on("message", (data, isBinary) => {
        if (isBinary) return;
        const m = JSON.parse(data.toString()) as ServerMessage;
        if (m.type === "queued") opening.maxPosition = Math.max(opening.maxPosition, m.position);
        if (m.type === "stage") opening.stages.push(m.stage);
        if (m.type === "resumed") opening.resumed = true;
        if (m.type === "ready" && opening.readyMs === undefined) opening.readyMs = performance.now() - t0;
      });
      await terminal.ready(Math.max(0, timeoutMs - (performance.now() - t0)));
      terminal.send({ type: "resize", cols: 120, rows: 32 });
      terminal.send({ type: "step", step: this.step });
    } catch (e) {
      opening.readyMs = undefined;
      opening.error = (e as Error).message.replace(/; output tail.*/s, "");
    }
    return opening;
  }

  /** "Check my work" of the page's step, as the page asks it by itself after a command; whether it answered 200. */
  async check(): Promise<boolean> {
    const res = await this.fetch(`/api/labs/${this.lesson}/steps/${this.step}/check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ origin: "automatic" }),
    });
    await res.arrayBuffer();
    return res.ok;
  }

  /** Leaves the page, then stops the lab keeping everything in it, through the site ("Stop lab"). */
  async suspend(): Promise<void> {
    this.closeTerminal();
    const res = await this.fetch(`/api/labs/${this.lesson}/suspend`, { method: "POST" });
    if (!res.ok) throw new Error(`suspending ${this.sandboxId} answered ${res.status}: ${await res.text()}`);
  }

  /** Leaves the page, then throws the lab it opened away through the site ("Reset lab"). */
  async remove(): Promise<void> {
    this.closeTerminal();
    if (!this.sandboxId) return;
    const res = await this.fetch(`/api/labs/${this.lesson}`, { method: "DELETE" });
    if (!res.ok) throw new Error(`removing ${this.sandboxId} answered ${res.status}: ${await res.text()}`);
    this.sandboxId = undefined;
  }

  /** The session cookie, which names the learner. */
  get session(): string | undefined {
    return this.cookies.get("dockyard_session");
  }

  closeTerminal(): void {
    this.terminal?.close();
    this.terminal = undefined;
  }
}
