import { Refusal, type ServerMessage } from "@dockyard/contract/server";
import type { Sandbox, SandboxSpec } from "../sandbox/driver";

// Boot de-duplication: at most one boot per sandbox. Whoever asks for a sandbox that is booting shares its
// boot; every watcher first gets the boot's messages so far (a terminal opened late misses no stage, and sees
// the latest place in line of a boot still waiting for its turn), then follows it to its end. A boot nobody has
// watched for a while is told so (its run may give up waiting for its turn); one that failed is dropped, so the
// next attempt starts afresh.

/** Whose lab of which lesson a boot starts. */
export type LabOwner = Pick<SandboxSpec, "learnerId" | "lessonSlug">;

/**
 * Boots the sandbox, telling its progress through `emit`. `abandoned` aborts once nobody has watched the boot
 * for the grace period, or it was forgotten.
 */
export type BootRun = (emit: (message: ServerMessage) => void, abandoned: AbortSignal) => Promise<Sandbox>;

export interface BootsOptions {
  /** How long a boot may go unwatched before it is abandoned (never unless given). */
  abandonAfterMs?: number;
}

/** One boot of one sandbox: its messages so far and its outcome. */
export class Boot {
  /** Settles with the boot: the sandbox once it is ready, or why it failed. */
  readonly done: Promise<Sandbox>;
  /** When the boot began (ms since the epoch). */
  readonly startedAt = Date.now();
  private inProgress = true;
  private readonly messages: ServerMessage[] = [];
  private readonly watchers = new Set<(message: ServerMessage) => void>();
  private readonly abandonment = new AbortController();
  private abandonTimer?: ReturnType<typeof setTimeout>;

  constructor(
    run: BootRun,
    /** Absent for labs adopted from an earlier lab-runner (the driver's list has them). */
    readonly owner?: LabOwner,
    private readonly abandonAfterMs = Infinity,
  ) {
    this.done = run((message) => this.emit(message), this.abandonment.signal);
    const end = () => {
      this.inProgress = false;
      clearTimeout(this.abandonTimer);
    };
    this.done.then(end, end);
    this.unwatched();
  }

  /** Whether the boot is still running. */
  get booting(): boolean {
    return this.inProgress;
  }

  /**
   * Replays the messages so far to the watcher, then follows the boot; resolves when the sandbox is ready.
   * Aborting `signal` (the watcher left) stops following and rejects with its reason.
   */
  async watch(watcher: (message: ServerMessage) => void, signal?: AbortSignal): Promise<Sandbox> {
    signal?.throwIfAborted();
    for (const message of this.messages) tell(watcher, message);
    this.watchers.add(watcher);
    clearTimeout(this.abandonTimer);
    let leave = () => {};
    const left = new Promise<never>((_, reject) => (leave = () => reject(signal?.reason)));
    signal?.addEventListener("abort", leave, { once: true });
    try {
      return await Promise.race([this.done, left]);
    } finally {
      signal?.removeEventListener("abort", leave);
      this.watchers.delete(watcher);
      this.unwatched();
    }
  }

  /** Gives up on the boot: its run is told through `abandoned`. */
  abandon(): void {
    this.abandonment.abort();
  }

  /** Starts the grace period of a boot in progress that nobody watches. */
  private unwatched(): void {
    if (!this.inProgress || this.watchers.size || !Number.isFinite(this.abandonAfterMs)) return;
    clearTimeout(this.abandonTimer);
    this.abandonTimer = setTimeout(() => this.abandon(), this.abandonAfterMs);
    this.abandonTimer.unref?.();
  }

  private emit(message: ServerMessage): void {
    const earlierPlace = message.type === "queued" ? this.messages.findIndex((m) => m.type === "queued") : -1;
    if (earlierPlace >= 0) this.messages.splice(earlierPlace, 1); // only the latest place in line is worth replaying
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

  constructor(private readonly options: BootsOptions = {}) {}

  /** The sandbox's boot, shared while it runs or once it succeeded; else a new one that runs `run`. */
  start(id: string, run: BootRun, owner?: LabOwner): Boot {
    const known = this.boots.get(id);
    if (known) return known;
    const boot = new Boot(run, owner, this.options.abandonAfterMs);
    this.boots.set(id, boot);
    boot.done.catch(() => {
      if (this.boots.get(id) === boot) this.boots.delete(id);
    });
    return boot;
  }

  /** A sandbox found running, left by an earlier lab-runner: its boot counts as done once `finish` (if given) is. */
  adopt(sandbox: Sandbox, finish?: (emit: (message: ServerMessage) => void) => Promise<void>): Boot {
    return this.start(sandbox.id, async (emit) => {
      try {
        await finish?.(emit);
      } catch (e) {
        emit({ type: "error", code: e instanceof Refusal ? e.code : "boot_failed", message: (e as Error).message });
        throw e;
      }
      emit({ type: "ready" });
      return sandbox;
    });
  }

  get(id: string): Boot | undefined {
    return this.boots.get(id);
  }

  has(id: string): boolean {
    return this.boots.has(id);
  }

  /** Drops the sandbox's boot, abandoning it if it still runs. */
  forget(id: string): void {
    this.boots.get(id)?.abandon();
    this.boots.delete(id);
  }

  /** The owners of the labs this lab-runner started (booting or running), by sandbox id. */
  *owners(): Iterable<[string, LabOwner]> {
    for (const [id, boot] of this.boots) if (boot.owner) yield [id, boot.owner];
  }
}
