import type Dockerode from "dockerode";
import type { BootStage } from "@dockyard/contract";
import type { LabRegistry } from "./registry";

// The contract every sandbox backend fulfils (Docker now; another engine later). Everything above it
// (terminal, checks, HTTP API) talks to sandboxes only through this interface. A sandbox is one learner's lab
// for one lesson: one or more nodes (machines with their own inner dockerd, named node1…nodeN) on a private
// network of the lab's own, and optionally a registry. Methods that reach a node take its name, node1 unless given.
//
// To write another driver, read this file and one of its two implementations: tests/support/fake-driver.ts
// (in memory, the smallest complete one) and docker.ts (Dockyard's engine; its parts are in docker/).
// What a driver need not do: LabManager (labs.ts) admits labs, boots each at most once at a time, replays the
// boot's stages to late watchers, suspends idle labs and evicts suspended ones; the driver only has to be safe
// when a remove() or suspend() comes while a start() of the same lab runs.
//
// A suspended lab is stopped, not removed: its nodes' disks (inner Docker data, /root, /tmp), containers and
// network stay, and it is known as suspended from the engine and the host alone (after a lab-runner or host
// restart too). start() resumes it.

export interface SandboxSpec {
  learnerId: string;
  lessonSlug: string;
  /** Course images (names as in content/images) loaded into the inner daemon at start. */
  images: string[];
  /** How many nodes (1 to 5; 1 unless given). */
  nodes?: number;
  /** Whether the lab gets a private registry (registry:5000). */
  registry?: boolean;
  /** A Kubernetes lab: its nodes get the cluster's binaries, from this host directory (read-only), and a pids limit that fits pods. */
  kubernetes?: { binaries: string };
}

export interface Sandbox {
  /** Stable id (sandboxIdFor(learnerId, lessonSlug), node1's container name): one per learner per lesson. */
  id: string;
  learnerId: string;
  lessonSlug: string;
  createdAt: Date;
  /** Every node of the lab runs. */
  running: boolean;
  /** The names of the nodes found, in order. */
  nodes: string[];
  /** When the lab was suspended, while it is (its nodes stopped, everything in them kept). */
  suspendedAt?: Date;
  /** Set by start() when it resumed a suspended lab: when that lab was suspended. */
  resumedFrom?: Date;
  /**
   * Set by list() and get() when the lab cannot run any more through no fault of the learner (a cluster driver: its
   * pod's node went NotReady or was deleted, the pod was evicted): what happened, to tell the learner.
   */
  lost?: string;
}

/** How many times so far a node's limits stopped something: processes the OOM killer ended, forks refused. */
export interface LimitHits {
  /** Processes of the node itself (its shells, their programs) ended at the node's memory limit. */
  memory: number;
  /** Processes in inner containers ended at the limit the containers share (NodeLimits.containersMemoryBytes). */
  containersMemory: number;
  processes: number;
  /** Whether the node's disk is full now. */
  diskFull: boolean;
}

/** A node none of whose limits stopped anything (or one that is gone). */
export const NO_LIMIT_HITS: LimitHits = { memory: 0, containersMemory: 0, processes: 0, diskFull: false };

/** The resources each node of a lab may use. */
export interface NodeLimits {
  memoryBytes: number;
  /** What the node's inner containers may use together, within memoryBytes. */
  containersMemoryBytes: number;
  cpus: number;
  processes: number;
  diskBytes: number;
}

/** How full a file system is. */
export interface DiskUsage {
  usedBytes: number;
  limitBytes: number;
}

/** Where the lab-runner opens a connection to a port of a node: an address and port (Docker), or a unix socket forwarded there (Kubernetes). */
export type NodeEndpoint = { host: string; port: number } | { socketPath: string };

export interface ExecResult {
  exitCode: number;
  output: string;
}

/** Why a driver failed; `message` says what happened and, where it can, what to run to fix it. */
export type DriverErrorCode =
  | "engine_down" // the engine that runs sandboxes does not answer
  | "engine_failed" // it answered with an error the driver does not recognise
  | "host_not_prepared" // something the host must provide is missing (a mount, the packages, a userns-remapped engine)
  | "image_missing" // the sandbox image, the registry image or a course image is missing
  | "no_subnet" // every lab network of the pool is taken
  | "capacity" // the cluster refused for lack of room (a quota exceeded, no node fits); LabManager refuses as at_capacity
  | "boot_timeout" // a boot stage did not finish in time
  | "boot_failed" // the boot failed otherwise (the node reported a failure, or stopped)
  | "exec_timeout" // a command ran out of time and was killed
  | "not_running" // the lab or node is not there (not started, stopped, removed)
  | "untrusted_socket" // a node's inner engine socket is not what the driver made it
  | "invalid_name"; // not a node name (node1…node9) or not a sandbox id

/** The one error a driver throws; LabManager tells the learner engine_down and capacity as such and any other boot failure as boot_failed. */
export class DriverError extends Error {
  constructor(
    readonly code: DriverErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DriverError";
  }
}

/** An image set as a pool knows it: the course images, each once, in order (the same set however a lesson lists it). */
export const imageSetKey = (images: string[]) => [...new Set(images)].sort().join(",");

/** A warm pool of booted, unclaimed single nodes per image set. Every method may throw DriverError. */
export interface NodePool {
  /** The unclaimed nodes ready to be claimed, by imageSetKey (sets with none are left out). */
  pooled(): Promise<Map<string, number>>;
  /** Boots one more unclaimed node holding these course images; resolves once it could be claimed. */
  fill(images: string[]): Promise<void>;
  /**
   * Removes the unclaimed nodes that must not be claimed (dead, half booted, or booted from another sandbox or course
   * image than the current one) and those of image sets not in `keep`, and what removed ones left on the host. How many it removed.
   */
  prune(keep: Set<string>): Promise<number>;
  /**
   * For a single-node lab without a registry that is not there in any form (not running, not suspended): takes an
   * unclaimed node of the spec's image set and makes it the spec's lab (its id, hostname, lab network and owner, found
   * by list() after a restart too), as start() would have booted it. Undefined when the pool has none ready, or the
   * lab is not one it serves: start() boots it then.
   */
  claim(spec: SandboxSpec, onStage?: (stage: BootStage, detail?: string) => void): Promise<Sandbox | undefined>;
}

/** Every method may throw DriverError; none throws anything else. */
export interface SandboxDriver {
  /** The driver's warm pool, if it keeps one: labs it serves are claimed from it instead of booted. */
  readonly pool?: NodePool;
  /** Why it cannot run Kubernetes lessons (a cluster inside the lab), if it cannot: LabManager refuses them before fetching binaries. */
  readonly kubernetesLessonsRefused?: string;
  /** The resources each node gets (LabManager quotes them when a limit stops something). */
  readonly limits: NodeLimits;
  /** Bytes of memory a node (node1 unless given) uses now, its inner containers included; undefined unless it runs. */
  memoryUsage(id: string, node?: string): Promise<number | undefined>;
  /** Whether the engine that runs the sandboxes answers (within a few seconds); never throws. */
  engineAnswers(): Promise<boolean>;
  /** Counters of the node's limits (node1 unless given); zeros once it is gone. */
  limitHits(id: string, node?: string): Promise<LimitHits>;
  /**
   * Makes the lab of the spec run and resolves once every node's inner `docker info` works and its course
   * images are loaded. A lab already running as the spec asks is returned at once (stage "ready" only); a
   * suspended one of the spec's shape is resumed (its nodes started again with everything they held; the result's
   * resumedFrom says since when it was suspended, and a resume that fails leaves it suspended); one half-started,
   * dead or of another shape is removed and booted afresh. Calls onStage with each stage of
   * BOOT_STAGES in order as the lab enters it. On failure it removes what it made and throws, saying at which
   * stage. Concurrent starts of one lab must not make two of it.
   */
  start(spec: SandboxSpec, onStage?: (stage: BootStage, detail?: string) => void): Promise<Sandbox>;
  /** Sandboxes Dockyard owns, running or not, found on the engine (works after a lab-runner restart); unclaimed pooled nodes are none. */
  list(): Promise<Sandbox[]>;
  /** One of list(), or undefined. */
  get(id: string): Promise<Sandbox | undefined>;
  /** Removes every node and the registry with their data, and the lab network; waits for a start() in progress. Idempotent. */
  remove(id: string): Promise<void>;
  /**
   * Stops every node and the registry, keeping their containers, disks, files and network, and marks the lab
   * suspended (list() says since when); waits for a start() in progress. A lab already suspended stays as it was;
   * one that is not there is not_running.
   */
  suspend(id: string): Promise<void>;
  /** How full the file system that holds the labs' disks is (what eviction of suspended labs watches); undefined if unknown. */
  storageUsage(): Promise<DiskUsage | undefined>;
  /** Runs a command inside a node (not in an inner container) as its root, stdout and stderr merged, with a timeout (30 s unless given) after which it is killed. */
  exec(id: string, cmd: string[], opts?: { timeoutMs?: number; stdin?: string; node?: string }): Promise<ExecResult>;
  /** The command node-pty runs to get an interactive login shell (bash -l, in /root) inside a node. */
  shellCommand(id: string, node?: string): { file: string; args: string[]; env: Record<string, string> };
  /** An Engine API client for a node's inner dockerd (what checks judge against). */
  innerDocker(id: string, node?: string): Dockerode;
  /** Where the lab-runner connects to a port of a node (node1 unless given); none unless it runs. */
  endpoint(id: string, node: string | undefined, port: number): Promise<NodeEndpoint | undefined>;
  /** The lab's registry, or undefined when it has none (or it is not running). */
  registry(id: string): Promise<LabRegistry | undefined>;
}
