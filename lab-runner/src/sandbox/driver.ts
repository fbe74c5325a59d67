import type Dockerode from "dockerode";
import type { BootStage } from "@dockyard/contract";
import type { LabRegistry } from "./registry";

// The contract every sandbox backend fulfils (Docker now; another engine later). Everything above it
// (terminal, checks, HTTP API) talks to sandboxes only through this interface. A sandbox is one learner's lab
// for one lesson: one or more nodes (machines with their own inner dockerd, named node1…nodeN) on a private
// network of the lab's own, and optionally a registry. Methods that reach a node take its name, node1 unless given.

export interface SandboxSpec {
  learnerId: string;
  lessonSlug: string;
  /** Course images (names as in content/images) loaded into the inner daemon at start. */
  images: string[];
  /** How many nodes (1 to 5; 1 unless given). */
  nodes?: number;
  /** Whether the lab gets a private registry (registry:5000). */
  registry?: boolean;
}

export interface Sandbox {
  /** Stable id (node1's container name): one per learner per lesson. */
  id: string;
  learnerId: string;
  lessonSlug: string;
  createdAt: Date;
  /** Every node of the lab runs. */
  running: boolean;
  /** The names of the nodes found, in order. */
  nodes: string[];
}

/** How many times so far a node's limits stopped something: processes the OOM killer ended, forks refused. */
export interface LimitHits {
  memory: number;
  processes: number;
  /** Whether the node's disk is full now. */
  diskFull: boolean;
}

/** The resources each node of a lab may use. */
export interface NodeLimits {
  memoryBytes: number;
  cpus: number;
  processes: number;
  diskBytes: number;
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

export interface SandboxDriver {
  readonly limits: NodeLimits;
  /** Whether the engine that runs the sandboxes answers (within a few seconds). */
  engineAnswers(): Promise<boolean>;
  /** Counters of the node's limits (node1 unless given); zeros once it is gone. */
  limitHits(id: string, node?: string): Promise<LimitHits>;
  /** Starts (or returns the already running) sandbox; resolves once the inner `docker info` works. */
  start(spec: SandboxSpec, onStage?: (stage: BootStage, detail?: string) => void): Promise<Sandbox>;
  /** Sandboxes Dockyard owns, found by their labels (works after a lab-runner restart). */
  list(): Promise<Sandbox[]>;
  get(id: string): Promise<Sandbox | undefined>;
  /** Removes every node and the registry with their volumes, and the lab network. Idempotent. */
  remove(id: string): Promise<void>;
  /** Runs a command inside a node (not in an inner container), capturing output, with a timeout. */
  exec(id: string, cmd: string[], opts?: { timeoutMs?: number; stdin?: string; node?: string }): Promise<ExecResult>;
  /** The command node-pty runs to get an interactive login shell inside a node. */
  shellCommand(id: string, node?: string): { file: string; args: string[]; env: Record<string, string> };
  /** An Engine API client for a node's inner dockerd (what checks judge against). */
  innerDocker(id: string, node?: string): Dockerode;
  /** A node's address on its lab network, where the host reaches the ports it publishes; none unless running. */
  address(id: string, node?: string): Promise<string | undefined>;
  /** The lab's registry, or undefined when it has none (or it is not running). */
  registry(id: string): Promise<LabRegistry | undefined>;
}
