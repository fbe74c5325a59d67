import Dockerode from "dockerode";
import { sandboxIdFor, type BootStage } from "@dockyard/contract/server";
import {
  NO_LIMIT_HITS,
  type DiskUsage,
  type ExecResult,
  type LimitHits,
  type NodeEndpoint,
  type NodeLimits,
  type Sandbox,
  type SandboxDriver,
  type SandboxSpec,
} from "./driver";
import { OneAtATime } from "./one-at-a-time";
import { labRegistry, type LabRegistry } from "./registry";
import { bootLab } from "./docker/boot";
import { limitCounters, memoryUsage } from "./docker/cgroups";
import { containersMemoryBytes, dockerContext, type DockerContext, type DockerSandboxOptions } from "./docker/context";
import { isFull, usageOf } from "./docker/disk";
import { guard, inspectContainer } from "./docker/engine";
import { execIn, shellCommand } from "./docker/exec";
import { trustedInnerSocket } from "./docker/host";
import { findLabs, removeLab } from "./docker/inventory";
import { networkName, nodeContainer } from "./docker/naming";
import { DockerNodePool } from "./docker/pool";
import { suspendLab } from "./docker/suspension";
import { NodeTemplates } from "./docker/templates";

// Sandboxes on Dockyard's own userns-remapped dockerd (scripts/engine.sh): Docker-in-Docker without
// --privileged. The sandbox image and its entry script are in lab-runner/sandbox-image/; the README's security
// model says what each node gets and why. A lab of several nodes is one such container per node on the lab's one
// network, booted in parallel.
//
// This class is the SandboxDriver; what it composes is in docker/: boot.ts (the stages), network.ts (lab networks
// and their subnet pool), host.ts and cgroups.ts (host prerequisites, each node's api directory and trusted inner
// socket, cgroup delegation and limit counters), node.ts (a node's container and its security settings),
// exec.ts (commands and the login shell), disk.ts (each node's own disk), templates.ts (the disks new nodes are
// cloned from), inventory.ts (finding and removing a lab), suspension.ts (stopping a lab and starting it again with
// everything kept), pool.ts and claim.ts (the warm pool of booted nodes, and what makes a claimed one its lab's),
// naming.ts (names and labels), paths.ts (where things are on the host and in a node), context.ts (settings).

export class DockerSandboxDriver implements SandboxDriver {
  private readonly context: DockerContext;
  /** Per lab, the start, suspend or remove in progress: they run one at a time, so none acts on a lab half made or half gone. */
  private readonly oneAtATime = new OneAtATime();
  readonly pool: DockerNodePool;

  constructor(options: DockerSandboxOptions = {}) {
    const context = dockerContext(options);
    // the templates' own throwaway nodes boot from empty disks (context's NO_TEMPLATES)
    this.context = context.settings.templates ? { ...context, templates: new NodeTemplates(context) } : context;
    this.pool = new DockerNodePool(this.context, (id, op) => this.oneAtATime.run(id, () => guard(op)));
  }

  private get docker(): Dockerode {
    return this.context.docker;
  }

  get limits(): NodeLimits {
    const { settings } = this.context;
    return {
      memoryBytes: settings.memoryBytes,
      containersMemoryBytes: containersMemoryBytes(settings),
      cpus: settings.cpus,
      processes: settings.pidsLimit,
      diskBytes: settings.diskBytes,
    };
  }

  engineAnswers(): Promise<boolean> {
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000).unref());
    return Promise.race([
      this.docker.ping().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  }

  /** Read on the host, where the sandbox cannot write: the node's own cgroups (and its containers'), and its disk. */
  limitHits(id: string, node?: string): Promise<LimitHits> {
    return guard(async () => {
      const container = nodeContainer(id, node);
      const pid = (await inspectContainer(this.docker, container))?.State.Pid;
      if (!pid) return NO_LIMIT_HITS;
      const usage = await usageOf(this.context.disks.mountPoint(container));
      const diskFull = usage !== undefined && isFull(usage);
      const counters = await limitCounters(pid);
      return counters ? { ...counters, diskFull } : NO_LIMIT_HITS; // it stopped meanwhile
    });
  }

  memoryUsage(id: string, node?: string): Promise<number | undefined> {
    return guard(async () => {
      const pid = (await inspectContainer(this.docker, nodeContainer(id, node)))?.State.Pid;
      return pid ? memoryUsage(pid) : undefined;
    });
  }

  start(spec: SandboxSpec, onStage?: (stage: BootStage, detail?: string) => void): Promise<Sandbox> {
    const id = sandboxIdFor(spec.learnerId, spec.lessonSlug);
    return this.oneAtATime.run(id, () => bootLab(this.context, id, spec, onStage));
  }

  list(): Promise<Sandbox[]> {
    return guard(async () => [...(await findLabs(this.context)).values()]);
  }

  get(id: string): Promise<Sandbox | undefined> {
    return guard(async () => (await findLabs(this.context, id)).get(id));
  }

  remove(id: string): Promise<void> {
    return this.oneAtATime.run(id, () => guard(() => removeLab(this.context, id)));
  }

  suspend(id: string): Promise<void> {
    return this.oneAtATime.run(id, () => guard(() => suspendLab(this.context, id)));
  }

  /**
   * The filesystem of the nodes' disks (scripts/engine.sh), where what a suspended lab keeps is, so what evicting
   * one frees; the engine's own (images, build cache) can fill for reasons no eviction would help. The engine's
   * when the nodes' is not mounted (disks were made there before it existed).
   */
  async storageUsage(): Promise<DiskUsage | undefined> {
    const { diskPool, nodePool } = this.context.paths;
    return usageOf((await this.context.disks.poolMounted()) ? nodePool : diskPool);
  }

  exec(id: string, cmd: string[], opts: { timeoutMs?: number; stdin?: string; node?: string } = {}): Promise<ExecResult> {
    return guard(() => execIn(this.docker, nodeContainer(id, opts.node), cmd, opts));
  }

  shellCommand(id: string, node?: string): { file: string; args: string[]; env: Record<string, string> } {
    return shellCommand(this.context.settings.socketPath, nodeContainer(id, node));
  }

  innerDocker(id: string, node?: string): Dockerode {
    return new Dockerode({ socketPath: trustedInnerSocket(this.context, nodeContainer(id, node)) });
  }

  /** The node's address on its lab network, where the host reaches the ports it publishes. */
  endpoint(id: string, node: string | undefined, port: number): Promise<NodeEndpoint | undefined> {
    return guard(async () => {
      const info = await inspectContainer(this.docker, nodeContainer(id, node));
      if (!info?.State.Running) return undefined;
      const host = info.NetworkSettings.Networks[networkName(id)]?.IPAddress;
      return host ? { host, port } : undefined;
    });
  }

  registry(id: string): Promise<LabRegistry | undefined> {
    return guard(() => labRegistry(this.docker, id, networkName(id)));
  }
}
