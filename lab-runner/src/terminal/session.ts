import type { ServerMessage } from "@dockyard/contract";
import { FlowControl, type Watermarks } from "./flowcontrol";
import { Scrollback } from "./scrollback";
import { CommandReportFilter, type CommandReport } from "./command-reports";

// One shell per sandbox, shared by every browser tab attached to it, outliving any one WebSocket: a dropped
// connection reattaches to the same shell and first receives the recent output it missed. Read-only watchers
// (live views) get the same output but never hold the shell back: one that falls behind is disconnected. The
// shell's reports of the commands it finished are taken out of the output as it arrives (command-reports.ts), so
// neither the browser nor the recording sees them, and each is handed on before the output that followed it.

export interface Pty {
  onData(listener: (data: Buffer | string) => void): unknown;
  onExit(listener: (e: { exitCode: number }) => void): unknown;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  kill(): void;
}

/** Why the session detaches a terminal or live view itself: each is the refusal its connection is closed with. */
export type Disconnect = "lagging" | "ended" | "lab_lost";

export interface TerminalClient {
  output(data: Buffer): void;
  control(message: ServerMessage): void;
  /** It is detached already: the shell's lab was lost with the machine it ran on ("lab_lost"). A client without it is only told. */
  disconnect?(reason: Disconnect): void;
}

export interface TerminalWatcher extends TerminalClient {
  /** It is detached already: it fell too far behind ("lagging"), or the shell's lab was removed ("ended") or lost ("lab_lost"). */
  disconnect(reason: Disconnect): void;
}

/** Where the session's output and size changes are recorded. */
export interface TerminalRecorder {
  output(data: Buffer): void;
  resize(cols: number, rows: number): void;
}

/** Output is merged for this long before it is sent, so a flood becomes few large frames. */
const MERGE_MS = 5;
/** A watcher is disconnected once this much output sent to it is not acknowledged yet. */
const WATCHER_LAG_BYTES = 4 * 1024 * 1024;

export class TerminalSession {
  private pty: Pty | null = null;
  private readonly clients = new Map<TerminalClient, FlowControl>();
  private readonly watchers = new Map<TerminalWatcher, FlowControl>();
  private readonly scrollback: Scrollback;
  private pending: Buffer[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private size = { cols: 80, rows: 24 };
  private ptyPaused = false;
  private reports = new CommandReportFilter();

  constructor(
    private readonly spawn: (size: { cols: number; rows: number }) => Pty,
    private readonly options: {
      scrollbackBytes?: number;
      watermarks?: Watermarks;
      watcherLagBytes?: number;
      recorder?: TerminalRecorder;
      onActivity?: () => void;
      /** The shell reported a command it finished. */
      onCommand?: (report: CommandReport) => void;
    } = {},
  ) {
    this.scrollback = new Scrollback(options.scrollbackBytes);
  }

  attach(client: TerminalClient): () => void {
    this.options.onActivity?.();
    this.clients.set(client, new FlowControl(this.options.watermarks));
    if (this.watchers.size) client.control({ type: "watchers", count: this.watchers.size });
    const missed = this.scrollback.contents();
    if (missed.length) this.deliver(client, missed);
    this.ensureShell();
    return () => {
      this.options.onActivity?.(); // idle time counts from when the learner left, not from their last keystroke
      this.clients.delete(client);
      this.updatePause();
    };
  }

  /** A read-only view: the recent output, then live output; it starts no shell and is not activity. */
  watch(watcher: TerminalWatcher): () => void {
    watcher.control({ type: "size", ...this.size });
    this.watchers.set(watcher, new FlowControl({ high: this.options.watcherLagBytes ?? WATCHER_LAG_BYTES, low: 0 }));
    this.countWatchers();
    const missed = this.scrollback.contents();
    if (missed.length) this.show(watcher, missed);
    return () => this.unwatch(watcher);
  }

  /** A message from the platform (not the shell) to everyone at this terminal, the learner and live views. */
  notify(message: ServerMessage): void {
    for (const client of [...this.clients.keys(), ...this.watchers.keys()]) client.control(message);
  }

  ackWatcher(watcher: TerminalWatcher, bytes: number): void {
    this.watchers.get(watcher)?.acked(bytes);
  }

  input(data: string): void {
    this.ensureShell().write(data);
    this.options.onActivity?.();
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.pty?.resize(cols, rows);
    this.options.recorder?.resize(cols, rows);
    for (const watcher of this.watchers.keys()) watcher.control({ type: "size", cols, rows });
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

  /**
   * Ends the shell and its live views: the lab was removed ("ended"), or lost with the machine it ran on
   * ("lab_lost"), which ends the learner's terminals too, so that connecting again starts the lab anew.
   */
  close(reason: "ended" | "lab_lost" = "ended"): void {
    this.pty?.kill();
    this.pty = null;
    for (const watcher of [...this.watchers.keys()]) {
      this.unwatch(watcher);
      watcher.disconnect(reason);
    }
    if (reason !== "lab_lost") return;
    for (const client of [...this.clients.keys()]) {
      this.clients.delete(client);
      client.disconnect?.(reason);
    }
  }

  private ensureShell(): Pty {
    if (this.pty) return this.pty;
    const pty = this.spawn(this.size);
    this.pty = pty;
    this.ptyPaused = false;
    this.reports = new CommandReportFilter(); // a new shell: nothing of the last one's is held
    this.options.recorder?.resize(this.size.cols, this.size.rows);
    pty.onData((data) => this.collect(typeof data === "string" ? Buffer.from(data) : data));
    pty.onExit(({ exitCode }) => {
      if (this.pty !== pty) return;
      this.flush();
      this.pty = null;
      for (const client of [...this.clients.keys(), ...this.watchers.keys()]) client.control({ type: "exit", code: exitCode });
    });
    return pty;
  }

  private collect(data: Buffer): void {
    const { output, reports } = this.reports.strip(data);
    for (const report of reports) this.options.onCommand?.(report);
    if (!output.length) return;
    this.pending.push(output);
    this.flushTimer ??= setTimeout(() => this.flush(), MERGE_MS);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.length) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.scrollback.push(data);
    this.options.recorder?.output(data);
    for (const client of this.clients.keys()) this.deliver(client, data);
    for (const watcher of this.watchers.keys()) this.show(watcher, data);
    this.options.onActivity?.();
  }

  private deliver(client: TerminalClient, data: Buffer): void {
    client.output(data);
    if (this.clients.get(client)?.sent(data.length)) this.updatePause();
  }

  private show(watcher: TerminalWatcher, data: Buffer): void {
    watcher.output(data);
    if (!this.watchers.get(watcher)?.sent(data.length)) return;
    this.unwatch(watcher);
    watcher.disconnect("lagging");
  }

  private unwatch(watcher: TerminalWatcher): void {
    if (this.watchers.delete(watcher)) this.countWatchers();
  }

  /** Tells the learner's terminals how many live views are open. */
  private countWatchers(): void {
    for (const client of this.clients.keys()) client.control({ type: "watchers", count: this.watchers.size });
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
