import WebSocket from "ws";
import type { ServerMessage } from "@dockyard/contract";

// A scripted terminal client speaking the browser's protocol, for tests and benchmarks.

export class TerminalClient {
  readonly messages: ServerMessage[] = [];
  private output = "";
  private waiters: (() => void)[] = [];
  closed?: { code: number; reason: string };
  readonly socket: WebSocket;
  /** Bytes received and not yet acknowledged; `autoAck` acknowledges like xterm.js after rendering. */
  unacked = 0;

  constructor(
    url: string,
    private readonly autoAck = true,
  ) {
    this.socket = new WebSocket(url);
    this.socket.on("message", (data, isBinary) => {
      if (isBinary) {
        const buf = data as Buffer;
        this.output += buf.toString("utf8");
        this.unacked += buf.length;
        if (this.autoAck && this.unacked >= 64 * 1024) this.ack();
      } else this.messages.push(JSON.parse(data.toString()));
      this.waiters.splice(0).forEach((w) => w());
    });
    this.socket.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  get text(): string {
    return this.output;
  }

  clearText(): void {
    this.output = "";
  }

  ack(): void {
    this.send({ type: "ack", bytes: this.unacked });
    this.unacked = 0;
  }

  send(message: object | string): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  type(data: string): void {
    this.send({ type: "input", data });
  }

  async until(predicate: () => boolean, timeoutMs = 30_000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; output tail: ${JSON.stringify(this.output.slice(-300))}; messages: ${JSON.stringify(this.messages.slice(-5))}`,
        );
      if (this.closed && !predicate()) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  ready(timeoutMs = 60_000) {
    return this.until(() => this.messages.some((m) => m.type === "ready"), timeoutMs, "ready");
  }

  waitForText(needle: string | RegExp, timeoutMs = 30_000) {
    return this.until(() => (typeof needle === "string" ? this.output.includes(needle) : needle.test(this.output)), timeoutMs, `output ${needle}`);
  }

  waitForClose(timeoutMs = 10_000) {
    return this.until(() => this.closed !== undefined, timeoutMs, "close").catch((e) => {
      if (!this.closed) throw e;
    });
  }

  close(): void {
    this.socket.close();
  }
}
