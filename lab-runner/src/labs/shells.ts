import type { SandboxDriver } from "../sandbox/driver";
import { TerminalSession, type Pty } from "../terminal/session";
import type { Recordings } from "../recordings/store";
import type { CommandLogs } from "../recordings/command-log";
import type { Terminals } from "./notices";

// The labs' shells: one per node of a lab, made when first asked for and shared by every terminal and live view
// attached to it, recorded when recordings are kept, every keystroke counting as the lab's activity, every command
// the shell reports logged on the host.

export interface ShellOptions {
  spawnPty(command: ReturnType<SandboxDriver["shellCommand"]>, size: { cols: number; rows: number }): Pty;
  /** Where terminals are recorded; nothing is recorded without it. */
  recordings?: Recordings;
  /** Where the commands each shell reports are kept. */
  commandLogs: CommandLogs;
  /** The lab was used. */
  onActivity(id: string): void;
  /** A node's shell was made. */
  onOpened(id: string, node: string): void;
}

export class Shells {
  /** Per sandbox, per node. */
  private readonly byLab = new Map<string, Map<string, TerminalSession>>();

  constructor(
    private readonly driver: Pick<SandboxDriver, "shellCommand">,
    private readonly options: ShellOptions,
  ) {}

  /** Every lab's shells, per node. */
  get all(): Terminals {
    return this.byLab;
  }

  /** The shell of one node of the lab, made if it has none yet. */
  of(id: string, node: string): TerminalSession {
    const sessions = this.byLab.get(id) ?? new Map<string, TerminalSession>();
    this.byLab.set(id, sessions);
    let session = sessions.get(node);
    if (!session) {
      const command = this.driver.shellCommand(id, node);
      session = new TerminalSession((size) => this.options.spawnPty(command, size), {
        recorder: this.options.recordings?.recorder(id, node),
        onActivity: () => this.options.onActivity(id),
        onCommand: (report) => this.options.commandLogs.append(id, node, report),
      });
      sessions.set(node, session);
      this.options.onOpened(id, node);
    }
    return session;
  }

  /** Whether a terminal is attached to any shell of the lab. */
  attached(id: string): boolean {
    return [...(this.byLab.get(id)?.values() ?? [])].some((session) => session.attachedClients > 0);
  }

  /** Closes the lab's shells (TerminalSession.close says what `reason` ends). */
  close(id: string, reason?: "ended" | "lab_lost"): void {
    for (const session of this.byLab.get(id)?.values() ?? []) session.close(reason);
    this.byLab.delete(id);
  }
}
