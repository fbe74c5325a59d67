import { LAB_STATES, type HostStatus, type LabState, type LabStatus } from "@dockyard/contract/server";
import type { DiskUsage, Sandbox, SandboxDriver } from "../sandbox/driver";
import type { BootQueue, QueuePlace } from "./boot-queue";
import type { Boots, LabOwner } from "./boots";
import type { HostLoad } from "./host-load";

// The host's status for admins (GET /admin/status): what the engine holds (running, suspended and dead labs),
// what this lab-runner is booting and what waits in its line, merged into one list of labs, with the host's
// memory, CPU and disk beside Dockyard's limits. gatherStatus reads; statusOf shapes (pure, unit-tested).

/** A lab this lab-runner knows of that the engine may not list yet: waiting in line, or booting. */
export interface StartedLab extends LabOwner {
  id: string;
  /** Since when it waits or boots (ms since the epoch). */
  since: number;
  /** Set while it waits in line. */
  place?: QueuePlace;
}

export interface StatusFacts {
  now: number;
  engineAnswers: boolean;
  /** What the engine holds (driver.list()); empty when it does not answer. */
  sandboxes: Sandbox[];
  /** Labs waiting in line, in the order they will boot. */
  queued: StartedLab[];
  /** Labs booting now (not those in line). */
  booting: StartedLab[];
  pooled: number;
  connected(id: string): boolean;
  /** Memory each running lab's nodes use together, by sandbox id. */
  memory: Map<string, number>;
  load: HostLoad;
  disk?: DiskUsage;
  limits: HostStatus["limits"];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The lab's state by the engine's account, once this lab-runner neither queues nor boots it. */
const engineState = (s: Sandbox): LabState => (s.running ? "running" : s.suspendedAt ? "suspended" : "stopped");

export function statusOf(f: StatusFacts): HostStatus {
  const labs = new Map<string, LabStatus>();
  const started = (lab: StartedLab, state: LabState): LabStatus => ({
    id: lab.id,
    learnerId: lab.learnerId,
    lessonSlug: lab.lessonSlug,
    state,
    since: iso(lab.since),
    nodes: 0,
    connected: f.connected(lab.id),
    ...(lab.place && { place: lab.place }),
  });
  for (const lab of f.queued) labs.set(lab.id, started(lab, "queued"));
  for (const lab of f.booting) if (!labs.has(lab.id)) labs.set(lab.id, started(lab, "booting"));
  for (const s of f.sandboxes) {
    const known = labs.get(s.id);
    if (known) {
      known.nodes = s.nodes.length;
      continue;
    }
    const state = engineState(s);
    labs.set(s.id, {
      id: s.id,
      learnerId: s.learnerId,
      lessonSlug: s.lessonSlug,
      state,
      since: (state === "suspended" ? s.suspendedAt! : s.createdAt).toISOString(),
      nodes: s.nodes.length,
      connected: f.connected(s.id),
      ...(f.memory.has(s.id) && { memoryBytes: f.memory.get(s.id) }),
    });
  }
  const rank = (lab: LabStatus) => LAB_STATES.indexOf(lab.state);
  const sorted = [...labs.values()].sort(
    (a, b) => rank(a) - rank(b) || (a.place?.position ?? 0) - (b.place?.position ?? 0) || (a.since ?? "").localeCompare(b.since ?? ""),
  );
  const counts = Object.fromEntries(LAB_STATES.map((state) => [state, sorted.filter((l) => l.state === state).length])) as Record<LabState, number>;
  return {
    at: iso(f.now),
    engine: { answers: f.engineAnswers },
    labs: sorted,
    counts: { ...counts, pooled: f.pooled },
    limits: f.limits,
    memory: { ...f.load.memory, labsBytes: [...f.memory.values()].reduce((a, b) => a + b, 0) },
    cpu: f.load.cpu,
    ...(f.disk && { disk: f.disk }),
  };
}

/** Reads the facts statusOf shapes: the engine's labs (and each running one's memory), the host's load and disk. */
export async function gatherStatus(
  driver: Pick<SandboxDriver, "list" | "engineAnswers" | "memoryUsage" | "storageUsage">,
  known: Omit<StatusFacts, "engineAnswers" | "sandboxes" | "memory" | "load" | "disk"> & { load: () => Promise<HostLoad> },
): Promise<HostStatus> {
  const engineAnswers = await driver.engineAnswers();
  const sandboxes = engineAnswers ? await driver.list().catch(() => []) : [];
  const memory = new Map<string, number>();
  await Promise.all(
    sandboxes
      .filter((s) => s.running)
      .map(async (s) => {
        const perNode = await Promise.all(s.nodes.map((node) => driver.memoryUsage(s.id, node).catch(() => undefined)));
        memory.set(
          s.id,
          perNode.reduce<number>((sum, bytes) => sum + (bytes ?? 0), 0),
        );
      }),
  );
  const [load, disk] = await Promise.all([known.load(), driver.storageUsage().catch(() => undefined)]);
  return statusOf({ ...known, engineAnswers, sandboxes, memory, load, disk });
}

/** The labs this lab-runner knows of before the engine may: those waiting in line (in boot order) and those booting. */
export function startedLabs(boots: Boots, queue: BootQueue): Pick<StatusFacts, "queued" | "booting"> {
  const owners = new Map(boots.owners());
  const line = queue.line();
  const waiting = new Set(line.map((lab) => lab.id));
  return {
    queued: line.map((lab) => ({ ...lab, lessonSlug: owners.get(lab.id)?.lessonSlug ?? "" })),
    booting: [...owners].flatMap(([id, owner]) => {
      const boot = boots.get(id);
      return boot?.booting && !waiting.has(id) ? [{ id, ...owner, since: boot.startedAt }] : [];
    }),
  };
}

/** Limits as the status shows them: a number, or null for none (unset or infinite). */
export function finiteOrNull<K extends string>(limits: Record<K, number | undefined>): Record<K, number | null> {
  return Object.fromEntries(Object.entries<number | undefined>(limits).map(([k, n]) => [k, n !== undefined && Number.isFinite(n) ? n : null])) as Record<
    K,
    number | null
  >;
}
