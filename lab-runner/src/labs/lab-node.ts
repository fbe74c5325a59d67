import type Dockerode from "dockerode";
import type { ExecResult, NodeEndpoint, SandboxDriver } from "../sandbox/driver";

/** One node of a running sandbox, as the file, port and preview routes, the step writer and the command log reach it. */
export interface LabNode {
  exec(cmd: string[], opts?: { timeoutMs?: number; stdin?: string }): Promise<ExecResult>;
  innerDocker(): Dockerode;
  /** Where the lab-runner connects to one of its ports, if it runs. */
  endpoint(port: number): Promise<NodeEndpoint | undefined>;
}

export function labNode(driver: Pick<SandboxDriver, "exec" | "innerDocker" | "endpoint">, id: string, node: string): LabNode {
  return {
    exec: (cmd, opts) => driver.exec(id, cmd, { ...opts, node }),
    innerDocker: () => driver.innerDocker(id, node),
    endpoint: (port) => driver.endpoint(id, node, port),
  };
}
