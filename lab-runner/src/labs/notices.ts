import { REFUSALS, type LimitKind, type ServerMessage } from "@dockyard/contract/server";
import type { LimitHits, Sandbox, SandboxDriver } from "../sandbox/driver";
import type { TerminalSession } from "../terminal/session";
import type { Recordings } from "../recordings/store";

// What learners are told at their terminals besides their shell's output: each limit their lab runs into
// (which limit, what it stopped and what to do: the kernel's own words, "Killed", say none of that), and
// when the engine stops answering and when it is back, and when their lab was lost with the cluster machine it ran on.

/** A limit hit again within this long is not told again. */
const LIMIT_RETELL_MS = 30_000;

const size = (bytes: number) => (bytes >= 1024 ** 3 ? `${+(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`);

/** The shells of the labs, per sandbox and node. */
export type Terminals = ReadonlyMap<string, ReadonlyMap<string, TerminalSession>>;

export class Notices {
  /** Per sandbox and node: the limit counters last seen, so that each new hit is told once. */
  private readonly limitsSeen = new Map<string, LimitHits>();
  /** Per sandbox, node and limit: when it was last told (a fork bomb hits its limit for as long as it runs). */
  private readonly limitsTold = new Map<string, number>();
  /** Whether the engine answered at the last look. */
  private engineUp = true;

  constructor(
    private readonly driver: Pick<SandboxDriver, "limits" | "limitHits" | "engineAnswers" | "list">,
    private readonly terminals: Terminals,
    private readonly options: { now: () => number; recordings?: Recordings },
  ) {}

  /** Tells everyone at a terminal when the engine stops answering and when it is back; resolves whether it is up. */
  async watchEngine(): Promise<boolean> {
    const up = await this.driver.engineAnswers();
    if (up === this.engineUp) return up;
    this.engineUp = up;
    const message: ServerMessage = up
      ? {
          type: "notice",
          code: "engine_back",
          message: "Dockyard's Docker engine is back. Press Enter for a shell: your lab and its files are as you left them.",
        }
      : {
          type: "notice",
          code: "engine_down",
          message:
            "Dockyard's Docker engine stopped answering, so your shell ended. Your lab keeps its files and containers; wait a moment, you will be told here when it is back.",
        };
    for (const sessions of this.terminals.values()) for (const session of sessions.values()) session.notify(message);
    return up;
  }

  /** Tells the learners at their terminals about every limit their lab ran into since the last look. */
  async tellLimits(): Promise<void> {
    const looks = [...this.terminals].flatMap(([id, sessions]) =>
      [...sessions]
        .filter(([, session]) => session.attachedClients > 0)
        .map(async ([node, session]) => {
          const before = this.limitsSeen.get(`${id}/${node}`);
          const now = await this.lookAtLimits(id, node);
          if (!before) return;
          const tell = (limit: LimitKind, message: string) => {
            const key = `${id}/${node}/${limit}`;
            if (this.options.now() - (this.limitsTold.get(key) ?? -Infinity) < LIMIT_RETELL_MS) return;
            this.limitsTold.set(key, this.options.now());
            session.notify({ type: "limit", limit, message });
            this.options.recordings?.mark(id, `limit ${limit}`);
          };
          if (now.containersMemory > before.containersMemory) tell("memory", this.containersMemoryMessage());
          for (const limit of ["memory", "processes"] as const) if (now[limit] > before[limit]) tell(limit, this.limitMessage(limit));
          if (now.diskFull && !before.diskFull) tell("disk", this.diskMessage());
        }),
    );
    await Promise.all(looks);
  }

  /**
   * Tells everyone at a terminal of a lab the driver reports lost (its node went away, its pod was evicted) that it
   * stopped and how to start it again. Resolves those labs: the caller ends their terminals. Asks the driver only
   * while someone is at a terminal, since only they can be told.
   */
  async tellLost(): Promise<Sandbox[]> {
    if (this.terminals.size === 0) return [];
    const lost = (await this.driver.list()).filter((sandbox) => sandbox.lost && this.terminals.has(sandbox.id));
    const message: ServerMessage = { type: "notice", code: "lab_lost", message: REFUSALS.lab_lost.message };
    for (const sandbox of lost) {
      for (const session of this.terminals.get(sandbox.id)?.values() ?? []) session.notify(message);
      this.options.recordings?.mark(sandbox.id, "lab lost");
    }
    return lost;
  }

  /** Notes the node's limit counters as they are now: what was hit before is not news. */
  async lookAtLimits(id: string, node: string): Promise<LimitHits> {
    let hits: LimitHits;
    try {
      hits = await this.driver.limitHits(id, node);
    } catch {
      hits = { memory: 0, containersMemory: 0, processes: 0, diskFull: false }; // the node is gone or going: nothing to tell
    }
    this.limitsSeen.set(`${id}/${node}`, hits);
    return hits;
  }

  /** Forgets what was seen and told of a lab that is gone. */
  forget(id: string): void {
    for (const seen of [this.limitsSeen, this.limitsTold]) for (const key of seen.keys()) if (key.startsWith(`${id}/`)) seen.delete(key);
  }

  private limitMessage(limit: "memory" | "processes"): string {
    const { memoryBytes, processes } = this.driver.limits;
    const messages: Record<"memory" | "processes", string> = {
      memory: `Your lab reached its memory limit (${size(memoryBytes)}), so the process using the most memory was stopped. Run fewer or smaller programs and containers at once; \`docker stats --no-stream\` shows what uses memory, \`docker rm -f <name>\` removes a container.`,
      processes: `Your lab reached its limit of ${processes} processes, so new ones could not start. Stop the program that keeps starting processes (Ctrl-C), or remove containers you no longer need (\`docker ps\`, \`docker rm -f <name>\`).`,
    };
    return messages[limit];
  }

  private containersMemoryMessage(): string {
    const { memoryBytes, containersMemoryBytes } = this.driver.limits;
    return `Your containers reached their memory limit (${size(containersMemoryBytes)} of the lab's ${size(memoryBytes)}; the rest keeps your shell and the lab's Docker engine running), so the process using the most memory in them was stopped. Run fewer or smaller containers at once; \`docker stats --no-stream\` shows what uses memory, \`docker rm -f <name>\` removes a container.`;
  }

  private diskMessage(): string {
    return `Your lab's disk is full (${size(this.driver.limits.diskBytes)} for its images, containers, volumes and files), so writes fail with "no space left on device". Free space: \`docker system prune -a\` removes stopped containers and unused images, \`docker volume prune\` unused volumes; \`du -sh /root/* /tmp/*\` finds large files.`;
  }
}
