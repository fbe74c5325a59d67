import type { ServerMessage } from "@dockyard/contract/server";
import type { Sandbox, SandboxSpec } from "../sandbox/driver";

// Boot de-duplication: at most one boot per sandbox. Whoever asks for a sandbox that is booting shares its
// boot; every watcher first gets the boot's messages so far (a terminal opened late misses no stage), then
// follows it to its end. A failed boot is dropped, so the next attempt starts afresh.

/** Whose lab of which lesson a boot starts. */
export type LabOwner = Pick<SandboxSpec, "learnerId" | "lessonSlug">;

/** Boots the sandbox, telling its progress through `emit`. */
export type BootRun = (emit: (message: ServerMessage) => void) => Promise<Sandbox>;

/** One boot of one sandbox: its messages so far and its outcome. */
export class Boot {
  /** Settles with the boot: the sandbox once it is ready, or why it failed. */
  readonly done: Promise<Sandbox>;
  private inProgress = true;
  private readonly messages: ServerMessage[] = [];
  private readonly watchers = new Set<(message: ServerMessage) => void>();

  constructor(
    run: BootRun,
    /** Absent for labs adopted from an earlier lab-runner (the driver's list has them). */
    readonly owner?: LabOwner,
  ) {
    this.done = run((message) => this.emit(message));
    const end = () => void (this.inProgress = false);
    this.done.then(end, end);
  }

  /** Whether the boot is still running. */
  get booting(): boolean {
    return this.inProgress;
  }

  /** Replays the messages so far to the watcher, then follows the boot; resolves when the sandbox is ready. */
  async watch(watcher: (message: ServerMessage) => void): Promise<Sandbox> {
    for (const message of this.messages) tell(watcher, message);
    this.watchers.add(watcher);
    try {
      return await this.done;
    } finally {
      this.watchers.delete(watcher);
    }
  }

  private emit(message: ServerMessage): void {
    this.messages.push(message);
    for (const watcher of this.watchers) tell(watcher, message);
  }
}

function tell(watcher: (message: ServerMessage) => void, message: ServerMessage): void {
  try {
    watcher(message);
  } catch {
    // a watcher's bug must not break the boot or keep the message from the other watchers
  }
}

/** The boots of the sandboxes this lab-runner knows, by sandbox id: booting, or done and not forgotten. */
export class Boots {
  private readonly boots = new Map<string, Boot>();

  /** The sandbox's boot, shared while it runs or once it succeeded; else a new one that runs `run`. */
  start(id: string, run: BootRun, owner?: LabOwner): Boot {
    const known = this.boots.get(id);
    if (known) return known;
    const boot = new Boot(run, owner);
    this.boots.set(id, boot);
    boot.done.catch(() => {
      if (this.boots.get(id) === boot) this.boots.delete(id);
    });
    return boot;
  }

  get(id: string): Boot | undefined {
    return this.boots.get(id);
  }

  has(id: string): boolean {
    return this.boots.has(id);
  }

  forget(id: string): void {
    this.boots.delete(id);
  }

  /** The owners of the labs this lab-runner started (booting or running), by sandbox id. */
  *owners(): Iterable<[string, LabOwner]> {
    for (const [id, boot] of this.boots) if (boot.owner) yield [id, boot.owner];
  }
}
