import type Dockerode from "dockerode";
import type { RecordedCommand } from "@dockyard/contract/server";
import type { ExecResult } from "../sandbox/driver";
import type { LabRegistry } from "../sandbox/registry";
import type { ClusterApi } from "../kubernetes/api";

// What a judge sees of the lab. Judges import it from here and judge.ts imports the judges, so the two
// never import each other.

/** One node of the lab, the one a check is judged on. */
export interface JudgeContext {
  /** Engine API of the node's inner dockerd. */
  docker: Pick<Dockerode, "listContainers" | "getContainer" | "getImage" | "getVolume" | "getNetwork">;
  /** Runs a command inside the node. */
  exec(cmd: string[], opts: { timeoutMs: number }): Promise<ExecResult>;
  /** The commands the learner ran in the node's shell during the step being judged, oldest first. */
  commands(): Promise<RecordedCommand[]>;
  /** Another node of the lab (throws for a node the lab does not have). */
  node?(name: string): JudgeContext;
  /** The lab's registry; undefined when it has none. */
  registry?(): Promise<LabRegistry | undefined>;
  /** The API of the lab's Kubernetes cluster; undefined when it has none. */
  kubernetes?(): Promise<ClusterApi | undefined>;
}
