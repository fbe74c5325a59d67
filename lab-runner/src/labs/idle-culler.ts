import type { Sandbox } from "../sandbox/driver";

// The idle culler: a lab unused for longer than the idle timeout is suspended (stopped, everything in it kept:
// opening its lesson again resumes it), to free the host's memory and CPU for others; a lab found dead (not
// running, not suspended) is removed. Every use of a lab (a keystroke, a check, a step change, a file or port
// opened) restarts its idle clock; a lab with a terminal attached or still booting is never idle, and its idle
// time counts from ready. Suspended labs are left to eviction (eviction.ts).

/** What the culler needs of the labs. */
export interface CullableLabs {
  /** Every sandbox the engine holds for Dockyard. */
  list(): Promise<Sandbox[]>;
  /** Whether the lab is in use however long ago it was last active: a terminal attached, or still booting. */
  inUse(id: string): boolean;
  suspend(id: string): Promise<void>;
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

  /** Suspends the running labs idle for longer than the timeout, and removes the dead ones. Returns their ids. */
  async reap(): Promise<string[]> {
    const culled: string[] = [];
    for (const sandbox of await this.labs.list()) {
      if (sandbox.suspendedAt || this.labs.inUse(sandbox.id)) continue;
      const last = this.lastActive.get(sandbox.id);
      if (last === undefined) {
        this.touch(sandbox.id); // a lab not seen before: its idle clock starts now
        continue;
      }
      if (this.options.now() - last >= this.options.idleTimeoutMs) {
        await (sandbox.running ? this.labs.suspend(sandbox.id) : this.labs.remove(sandbox.id));
        culled.push(sandbox.id);
      }
    }
    return culled;
  }
}
