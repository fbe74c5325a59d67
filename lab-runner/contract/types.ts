// Types shared by the site (app/) and the lab-runner. Plain data only: no Node imports.

export const BOOT_STAGES = ["network", "container", "delegate", "engine", "images", "ready"] as const;
/** Stages only a Kubernetes lab goes through: the binaries (built once per server, first), then its cluster (before ready). */
export const KUBERNETES_STAGES = ["binaries", "cluster"] as const;
/** The stage of a lab whose lesson prepares it (frontmatter files:, ```sh setup blocks), after every other one. */
export const SETUP_STAGE = "setup" as const;
export type BootStage = (typeof BOOT_STAGES)[number] | (typeof KUBERNETES_STAGES)[number] | typeof SETUP_STAGE;

/** The stages a lab shows, in order: every stage of BOOT_STAGES, and a Kubernetes or setup stage once the lab reached it. */
export function shownStages(reached: readonly BootStage[]): BootStage[] {
  const before = reached.includes("binaries") ? (["binaries"] as const) : [];
  const after = reached.includes("cluster") ? (["cluster"] as const) : [];
  const prepared = reached.includes(SETUP_STAGE) ? [SETUP_STAGE] : [];
  return [...before, ...BOOT_STAGES.filter((s) => s !== "ready"), ...after, ...prepared, "ready"];
}

export const BOOT_STAGE_LABELS: Record<BootStage, string> = {
  network: "Creating a private network for your lab",
  container: "Starting your sandbox machine",
  delegate: "Handing the sandbox its own cgroups",
  engine: "Starting Docker inside the sandbox",
  images: "Loading course images",
  binaries: "Building Kubernetes for this server (once)",
  cluster: "Starting Kubernetes",
  setup: "Preparing your lab",
  ready: "Ready",
};

/** How the learner reaches their lab's private registry (lessons with `registry: true`), from any node. */
export interface RegistryCredentials {
  /** What to log in to and prefix image names with, e.g. `docker login registry:5000`. */
  host: string;
  username: string;
  password: string;
}

/** Terminal WebSocket protocol. Output bytes travel as binary frames; everything else is JSON text. */
export type ClientMessage =
  | { type: "input"; data: string }
  | { type: "resize"; cols: number; rows: number }
  | { type: "ack"; bytes: number }
  /** The step the learner is on: commands run from now on count for it. */
  | { type: "step"; step: string };

export type ServerMessage =
  /** Before the boot: the lab waits for its turn to boot, `position` of `of` (1 is next), for about `estimateSeconds`. */
  | { type: "queued"; position: number; of: number; estimateSeconds: number }
  | { type: "stage"; stage: BootStage; detail?: string }
  | { type: "ready" }
  | { type: "exit"; code: number }
  | { type: "error"; code: string; message: string }
  /** To the learner: how many read-only live views of this terminal are open. */
  | { type: "watchers"; count: number }
  /** To a live view: the size of the learner's terminal, which its output is laid out for. */
  | { type: "size"; cols: number; rows: number }
  /** To the learner: a limit of their lab stopped something just now, and what to do about it. */
  | { type: "limit"; limit: LimitKind; message: string }
  /** To the learner, before "ready": their lab, suspended while idle with everything in it kept, was resumed; suspended when (ISO 8601). */
  | { type: "resumed"; suspendedAt: string }
  /** To the learner: the platform's Docker engine stopped answering, or is back; or their lab was lost with the cluster machine it ran on. */
  | { type: "notice"; code: "engine_down" | "engine_back" | "lab_lost"; message: string };

/** The limits a learner can run into, each told to them by name when it stops something. */
export type LimitKind = "memory" | "processes" | "disk" | "labs" | "connections";

export const TERMINAL_LIMITS = {
  /** Largest single input message (a paste); larger ones are refused with an error, nothing is typed. */
  maxInputBytes: 64 * 1024,
  /** The client acknowledges after rendering this many bytes. */
  ackEveryBytes: 64 * 1024,
} as const;

/** The editor's files: text up to this size, at absolute paths inside the sandbox. */
export const FILE_LIMITS = { maxBytes: 1024 * 1024, maxPathLength: 4096 } as const;

export interface FileContent {
  path: string;
  content: string;
}

export interface DirectoryEntry {
  name: string;
  type: "file" | "directory" | "other";
  size: number;
}

export interface FileListing {
  path: string;
  entries: DirectoryEntry[];
}

/** One node's terminal recording (asciicast v2), as the lab-runner's recording listing gives it. */
export interface RecordingInfo {
  node: string;
  bytes: number;
  /** When it was last written to (ISO 8601). */
  updatedAt: string;
}

/** A lab's recordings, as GET /recordings/:sandbox on the lab-runner answers. */
export interface RecordingListing {
  sandbox: string;
  lesson: string;
  recordings: RecordingInfo[];
}

/** A TCP port an inner container publishes on a node, which the learner can open through the preview. */
export interface PublishedPort {
  node: string;
  port: number;
  container: string;
  image: string;
}

export interface CriterionResult {
  name: string;
  passed: boolean;
  message: string;
}

export interface CheckResult {
  passed: boolean;
  /** One line summing up the verdict, shown under the step. */
  message: string;
  criteria: CriterionResult[];
  /** The commands the learner ran during this step (omitted when none were recorded), kept as evidence. */
  commands?: RecordedCommand[];
}

/** One command the learner's shell ran, as the shell reported it from inside the sandbox once it finished; kept on the host from then on. */
export interface RecordedCommand {
  /** When it finished: when the lab-runner got the report (ISO 8601). */
  at: string;
  /** The step the learner was on ("" before any). */
  step: string;
  exitCode: number;
  command: string;
  /** The node whose shell ran it (only in labs of several nodes). */
  node?: string;
}
