import type { Sandbox } from "../sandbox/driver";

// The idle culler: a lab unused for longer than the idle timeout is removed, to free the host for others.
// Every use of a lab (a keystroke, a check, a step change, a file or port opened) restarts its idle clock;
// a lab with a terminal attached or still booting is never idle, and its idle time counts from ready.

/** What the culler needs of the labs. */
export interface CullableLabs {
  /** Every sandbox the engine runs for Dockyard. */
  list(): Promise<Sandbox[]>;
  /** Whether the lab is in use however long ago it was last active: a terminal attached, or still booting. */
  inUse(id: string): boolean;
  remove(id: string): Promise<void>;
}

export class IdleCuller {
  private readonly lastActive = new Map<string, number>();

  constructor(
    private readonly labs: CullableLabs,
    private readonly options: { idleTimeoutMs: number; now: () => number },
  ) {}

  /** The lab was used now. */
  touch(id: string): void {
    this.lastActive.set(id, this.options.now());
  }

  forget(id: string): void {
    this.lastActive.delete(id);
  }

  /** Removes the labs idle for longer than the timeout. Returns their ids. */
  async reap(): Promise<string[]> {
    const removed: string[] = [];
    for (const sandbox of await this.labs.list()) {
      if (this.labs.inUse(sandbox.id)) continue;
      const last = this.lastActive.get(sandbox.id);
      if (last === undefined) {
        this.touch(sandbox.id); // a lab not seen before: its idle clock starts now
        continue;
      }
      if (this.options.now() - last >= this.options.idleTimeoutMs) {
        await this.labs.remove(sandbox.id);
        removed.push(sandbox.id);
      }
    }
    return removed;
  }
}
