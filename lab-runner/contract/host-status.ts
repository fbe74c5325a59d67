// What the lab-runner's admin status endpoint (GET /admin/status, with an admin token) answers: every lab it
// knows and its state, the boot queue, and the host's memory, CPU and disk against Dockyard's limits. The site's
// host view shows it to admins. Plain data only (times are ISO 8601).

export const LAB_STATES = ["queued", "booting", "running", "suspended", "stopped"] as const;
/** queued: waiting in line to boot; stopped: not running and not suspended (dead; the idle culler removes it). */
export type LabState = (typeof LAB_STATES)[number];

export interface LabStatus {
  /** The sandbox id. */
  id: string;
  learnerId: string;
  lessonSlug: string;
  state: LabState;
  /** Since when it is in that state, where known: joined the line, began booting, was created or resumed, was suspended. */
  since?: string;
  /** Memory its nodes use now (running labs). */
  memoryBytes?: number;
  nodes: number;
  /** Whether a learner's terminal is attached now. */
  connected: boolean;
  /** A queued lab's place in line (1 is next). */
  place?: { position: number; of: number; estimateSeconds: number };
}

export interface HostStatus {
  at: string;
  /** Whether Dockyard's Docker engine answers. */
  engine: { answers: boolean };
  /** Queued first (in the order they will boot), then booting, running, suspended, stopped. */
  labs: LabStatus[];
  counts: Record<LabState, number> & { pooled: number };
  /** null: no limit. */
  limits: {
    maxLabs: number | null;
    maxLabsPerLearner: number | null;
    bootConcurrency: number | null;
    nodeMemoryBytes: number;
    diskHighWaterPercent: number | null;
  };
  memory: { totalBytes: number; availableBytes: number; labsBytes: number };
  /** load1: the 1-minute load average; busyPercent: the share of all cores busy since the previous status. */
  cpu: { cores: number; load1: number; busyPercent: number };
  /** Dockyard's own file system, where every lab's disk lives; undefined when it cannot be read. */
  disk?: { usedBytes: number; limitBytes: number };
}
