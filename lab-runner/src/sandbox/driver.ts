import type Dockerode from "dockerode";
import type { BootStage } from "../shared/types";

// The contract every sandbox backend fulfils (Docker now; another engine later). Everything above it
// (terminal, checks, HTTP API) talks to sandboxes only through this interface.

export interface SandboxSpec {
  learnerId: string;
  lessonSlug: string;
  /** Course images (names as in content/images) loaded into the inner daemon at start. */
  images: string[];
}

export interface Sandbox {
  /** Stable id, also the outer container's name: one per learner per lesson. */
  id: string;
  learnerId: string;
  lessonSlug: string;
  createdAt: Date;
  running: boolean;
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

export interface SandboxDriver {
  /** Starts (or returns the already running) sandbox; resolves once the inner `docker info` works. */
  start(spec: SandboxSpec, onStage?: (stage: BootStage, detail?: string) => void): Promise<Sandbox>;
  /** Sandboxes Dockyard owns, found by their labels (works after a lab-runner restart). */
  list(): Promise<Sandbox[]>;
  get(id: string): Promise<Sandbox | undefined>;
  /** Removes the sandbox with its volumes and its lab network. Idempotent. */
  remove(id: string): Promise<void>;
  /** Runs a command inside the sandbox (not in an inner container), capturing output, with a timeout. */
  exec(id: string, cmd: string[], opts?: { timeoutMs?: number; stdin?: string }): Promise<ExecResult>;
  /** The command node-pty runs to get an interactive login shell inside the sandbox. */
  shellCommand(id: string): { file: string; args: string[]; env: Record<string, string> };
  /** An Engine API client for the sandbox's inner dockerd (what checks judge against). */
  innerDocker(id: string): Dockerode;
}
