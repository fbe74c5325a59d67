import type Dockerode from "dockerode";
import type { ExecResult, SandboxDriver } from "../sandbox/driver";

/** One node of a running sandbox, as the file, port and preview routes, the step writer and the command log reach it. */
export interface LabNode {
  exec(cmd: string[], opts?: { timeoutMs?: number; stdin?: string }): Promise<ExecResult>;
  innerDocker(): Dockerode;
  /** Its address on the lab network (the host reaches the ports it publishes there), if it has one. */
  address(): Promise<string | undefined>;
}

export function labNode(driver: Pick<SandboxDriver, "exec" | "innerDocker" | "address">, id: string, node: string): LabNode {
  return {
    exec: (cmd, opts) => driver.exec(id, cmd, { ...opts, node }),
    innerDocker: () => driver.innerDocker(id, node),
    address: () => driver.address(id, node),
  };
}
