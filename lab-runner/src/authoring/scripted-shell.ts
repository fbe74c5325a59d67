import crypto from "node:crypto";
import { StringDecoder } from "node:string_decoder";
import type { TerminalClient, TerminalSession } from "../terminal/session";

// Types into a lab's terminal the way a run button does (the block, then Enter) and tells when the shell is
// done with it. It sets prompts of its own that carry the last exit status ($?) and a random token: the
// echo of what is typed shows "$?", not digits, and no command's output imitates them by accident.

export interface TypedCommand {
  command: string;
  /** The exit status the prompt showed afterwards (of the block's last command). */
  exitCode: number;
  /** The end of what the terminal showed meanwhile, without escape sequences. */
  output: string;
  ms: number;
}

export class ShellError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()=>][0-9A-Za-z]?/g;
/** A multi-line block is done once the prompt after its last line has stood this long. */
const SETTLED_MS = 300;
const SHOWN_OUTPUT = 1500;
/** Output kept while a block runs (its end is what matters): a flood must not fill memory. */
const KEPT_OUTPUT = 256 * 1024;
const INTERRUPT_TIMEOUT_MS = 10_000;

export class ScriptedShell {
  /** What the terminal showed since the last block was typed. */
  private text = "";
  private lastOutput = 0;
  private exitCode?: number;
  private wake?: () => void;
  private readonly decoder = new StringDecoder("utf8");
  private readonly token = crypto.randomBytes(6).toString("hex");
  private readonly prompt = new RegExp(`<<${this.token}:(\\d+)>>`, "g");
  private readonly continuation = new RegExp(`<<${this.token}\\+\\d+>>`, "g");
  private readonly detach: () => void;

  constructor(private readonly session: TerminalSession) {
    const client: TerminalClient = {
      output: (data) => {
        this.text += this.decoder.write(data);
        if (this.text.length > KEPT_OUTPUT) this.text = this.text.slice(-KEPT_OUTPUT / 2);
        this.lastOutput = Date.now();
        session.ack(client, data.length); // read at once: the shell must never pause for us
        this.wake?.();
      },
      control: (message) => {
        if (message.type !== "exit") return;
        this.exitCode = message.code;
        this.wake?.();
      },
    };
    session.resize(200, 50); // wide enough that commands rarely wrap
    this.detach = session.attach(client);
  }

  /** Waits for the login shell to settle, then installs the prompts. */
  async start(timeoutMs = 60_000): Promise<void> {
    await this.until(() => (this.text && Date.now() - this.lastOutput >= SETTLED_MS ? true : undefined), timeoutMs, "the shell to start");
    this.text = "";
    this.session.input(`PS1='<<${this.token}:$?>>' PS2='<<${this.token}+$?>>'\r`);
    await this.until(() => this.prompted(false), timeoutMs, "the shell to show its prompt");
  }

  /** Types a block like a run button and waits until the shell prompts again; interrupts it after timeoutMs. */
  async type(command: string, timeoutMs: number): Promise<TypedCommand> {
    this.text = "";
    const t0 = performance.now();
    this.session.input(command + "\r");
    const multiLine = command.includes("\n");
    const exitCode = await this.until(() => this.prompted(multiLine), timeoutMs, "").catch(async (e: Error) => {
      if (e instanceof ShellError) throw e;
      throw await this.interrupt(`\`${command}\` did not finish within ${timeoutMs / 1000} s (interrupted with Ctrl-C)`);
    });
    if (exitCode === "incomplete") throw await this.interrupt(`after \`${command}\` the shell still waits for more input (an unclosed quote, heredoc or if?)`);
    return { command, exitCode, output: this.shown(), ms: performance.now() - t0 };
  }

  close(): void {
    this.detach();
  }

  /** Ctrl-C, so the next block finds a prompt; the error to throw, with what the block showed. */
  private async interrupt(why: string): Promise<ShellError> {
    const error = new ShellError(why, this.shown());
    this.text = "";
    this.session.input("\x03");
    await this.until(() => this.prompted(false), INTERRUPT_TIMEOUT_MS, "the shell to answer after Ctrl-C");
    return error;
  }

  /**
   * The exit status once the shell prompts again: at the first prompt for one line; for several lines
   * (typed ahead, like a paste) only when a prompt is the last thing shown and has stood for a moment.
   * "incomplete" when the shell stands at its continuation prompt, waiting for the rest of a command.
   */
  private prompted(multiLine: boolean): number | "incomplete" | undefined {
    const prompts = [...this.text.matchAll(this.prompt)];
    const continuation = [...this.text.matchAll(this.continuation)].at(-1);
    const settled = Date.now() - this.lastOutput >= SETTLED_MS;
    if (settled && continuation && continuation.index! > (prompts.at(-1)?.index ?? -1)) return "incomplete";
    const prompt = multiLine ? prompts.at(-1) : prompts[0];
    if (!prompt) return undefined;
    if (
      multiLine &&
      (!settled ||
        this.text
          .slice(prompt.index! + prompt[0].length)
          .replace(ESCAPES, "")
          .trim())
    )
      return undefined;
    return Number(prompt[1]);
  }

  private async until<T>(look: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = look();
      if (found !== undefined) return found;
      if (this.exitCode !== undefined) throw new ShellError(`the shell ended (exit code ${this.exitCode})`, this.shown());
      if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(100, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private shown(): string {
    const clean = this.text.replace(ESCAPES, "").replace(this.prompt, "$ ").replace(this.continuation, "> ").replace(/\r/g, "");
    return clean.length > SHOWN_OUTPUT ? "…" + clean.slice(-SHOWN_OUTPUT) : clean;
  }
}
