import type { ServerMessage } from "../shared/types";
import { FlowControl, type Watermarks } from "./flowcontrol";
import { Scrollback } from "./scrollback";

// One shell per sandbox, shared by every browser tab attached to it, outliving any one WebSocket: a dropped
// connection reattaches to the same shell and first receives the recent output it missed.

export interface Pty {
  onData(listener: (data: Buffer | string) => void): unknown;
  onExit(listener: (e: { exitCode: number }) => void): unknown;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  kill(): void;
}

export interface TerminalClient {
  output(data: Buffer): void;
  control(message: ServerMessage): void;
}

/** Output is merged for this long before it is sent, so a flood becomes few large frames. */
const MERGE_MS = 5;

export class TerminalSession {
  private pty: Pty | null = null;
  private readonly clients = new Map<TerminalClient, FlowControl>();
  private readonly scrollback: Scrollback;
  private pending: Buffer[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private size = { cols: 80, rows: 24 };
  private ptyPaused = false;

  constructor(
    private readonly spawn: (size: { cols: number; rows: number }) => Pty,
    private readonly options: { scrollbackBytes?: number; watermarks?: Watermarks; onActivity?: () => void } = {},
  ) {
    this.scrollback = new Scrollback(options.scrollbackBytes);
  }

  attach(client: TerminalClient): () => void {
    this.options.onActivity?.();
    this.clients.set(client, new FlowControl(this.options.watermarks));
    const missed = this.scrollback.contents();
    if (missed.length) this.deliver(client, missed);
    this.ensureShell();
    return () => {
      this.options.onActivity?.(); // idle time counts from when the learner left, not from their last keystroke
      this.clients.delete(client);
      this.updatePause();
    };
  }

  input(data: string): void {
    this.ensureShell().write(data);
    this.options.onActivity?.();
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.pty?.resize(cols, rows);
  }

  ack(client: TerminalClient, bytes: number): void {
    if (this.clients.get(client)?.acked(bytes)) this.updatePause();
  }

  get attachedClients(): number {
    return this.clients.size;
  }

  /** Bytes held for clients: scrollback plus output not yet sent. Bounded by design; exposed for tests. */
  get bufferedBytes(): number {
    return this.scrollback.bytes + this.pending.reduce((n, b) => n + b.length, 0);
  }

  get isPaused(): boolean {
    return this.ptyPaused;
  }

  close(): void {
    this.pty?.kill();
    this.pty = null;
  }

  private ensureShell(): Pty {
    if (this.pty) return this.pty;
    const pty = this.spawn(this.size);
    this.pty = pty;
    this.ptyPaused = false;
    pty.onData((data) => this.collect(typeof data === "string" ? Buffer.from(data) : data));
    pty.onExit(({ exitCode }) => {
      if (this.pty !== pty) return;
      this.flush();
      this.pty = null;
      for (const client of this.clients.keys()) client.control({ type: "exit", code: exitCode });
    });
    return pty;
  }

  private collect(chunk: Buffer): void {
    this.pending.push(chunk);
    this.flushTimer ??= setTimeout(() => this.flush(), MERGE_MS);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.length) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.scrollback.push(data);
    for (const client of this.clients.keys()) this.deliver(client, data);
    this.options.onActivity?.();
  }

  private deliver(client: TerminalClient, data: Buffer): void {
    client.output(data);
    if (this.clients.get(client)?.sent(data.length)) this.updatePause();
  }

  /** The shell runs only while every attached client keeps up; with no client it drains into scrollback. */
  private updatePause(): void {
    const shouldPause = [...this.clients.values()].some((flow) => flow.isPaused);
    if (shouldPause === this.ptyPaused || !this.pty) return;
    this.ptyPaused = shouldPause;
    if (shouldPause) this.pty.pause();
    else this.pty.resume();
  }
}
