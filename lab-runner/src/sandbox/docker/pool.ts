import crypto from "node:crypto";
import fs from "node:fs/promises";
import { DEFAULT_NODE, sandboxIdFor, type BootStage } from "@dockyard/contract/server";
import { DriverError, imageSetKey, type NodePool, type Sandbox, type SandboxSpec } from "../driver";
import { bootLab } from "./boot";
import { applyIdentity, readClaim, takeOver } from "./claim";
import type { DockerContext } from "./context";
import { errorMessage, guard, inspectContainer } from "./engine";
import { findLabs, removeLab } from "./inventory";
import { hostnameFor, LABEL, NETWORK_LABEL, networkName, POOL_PREFIX, poolNodeName } from "./naming";

// The warm pool on Dockyard's engine. A pooled node is booted as a lab's node1 is (bootLab, every stage), but owned by
// no one: it is named dyp-<random>, labelled with its image set and the version of what it was booted from (the
// sandbox image, the course images), and sits on a network of its own, a lab network like any other (so it reaches
// no other pooled node and no lab). A claim makes it the lab's (claim.ts: its id, host directory, disk and owner),
// moves it to the lab's network, leaves the pool network, and sets the lesson's hostname inside it. Nodes are never
// given back: a claimed node goes with its lab. Stale ones (dead, half booted, booted from an older image) are removed.

type OneAtATime = <T>(id: string, op: () => Promise<T>) => Promise<T>;

interface Pooled {
  name: string;
  key: string;
  version: string;
  running: boolean;
  /** When Docker made it (ms since the epoch). */
  created: number;
}

export class DockerNodePool implements NodePool {
  /** Nodes this process is booting into the pool, handing to a lab or removing (by container name): nobody else touches them. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly context: DockerContext,
    /** The driver's one-operation-at-a-time per lab: a claim makes a lab, as start() does. */
    private readonly oneAtATime: OneAtATime,
  ) {}

  async pooled(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const node of await guard(() => this.claimable())) counts.set(node.key, (counts.get(node.key) ?? 0) + 1);
    return counts;
  }

  async fill(images: string[]): Promise<void> {
    const name = poolNodeName();
    this.busy.add(name);
    try {
      const owner = { [LABEL.pool]: imageSetKey(images), [LABEL.poolVersion]: await guard(() => this.version(imageSetKey(images))) };
      await bootLab(this.context, name, { learnerId: "", lessonSlug: "", images }, undefined, owner);
      await fs.writeFile(this.context.paths.pooledMark(name), ""); // claimable from now on, by this process or the next
    } finally {
      this.busy.delete(name);
    }
  }

  prune(keep: Set<string>): Promise<number> {
    return guard(async () => {
      const versions = new Map<string, Promise<string>>();
      const current = (key: string) => versions.get(key) ?? versions.set(key, this.version(key)).get(key)!;
      let removed = 0;
      for (const node of await this.unclaimed()) {
        const done = await booted(this.context, node.name);
        if (node.running && !done && Date.now() - node.created < this.context.settings.bootTimeoutMs) continue; // still booting, maybe for another process
        const good =
          node.name.startsWith(POOL_PREFIX) && // else a claim this process did not finish
          keep.has(node.key) &&
          node.running &&
          node.version === (await current(node.key)) &&
          done;
        if (!good && (await this.remove(node.name))) removed++;
      }
      await this.sweep();
      return removed;
    });
  }

  async claim(spec: SandboxSpec, onStage?: (stage: BootStage, detail?: string) => void): Promise<Sandbox | undefined> {
    if ((spec.nodes ?? 1) !== 1 || spec.registry) return undefined;
    const id = sandboxIdFor(spec.learnerId, spec.lessonSlug);
    return this.oneAtATime(id, async () => {
      if ((await findLabs(this.context, id)).size || (await inspectContainer(this.context.docker, id))) return undefined; // start() resumes or replaces it
      const key = imageSetKey(spec.images);
      const node = (await this.claimable()).find((n) => n.key === key && !this.busy.has(n.name));
      if (!node) return undefined;
      this.busy.add(node.name).add(id);
      try {
        const sandbox = await this.handOver(node.name, id, spec);
        tell(onStage, "ready", "from the pool");
        return sandbox;
      } catch (err) {
        // the learner still gets a lab: start() boots one
        console.error(`[lab-runner] claiming pooled node ${node.name} for ${id} failed, booting it instead: ${errorMessage(err)}`);
        await removeLab(this.context, id).catch(() => undefined);
        await removeLab(this.context, node.name).catch(() => undefined);
        return undefined;
      } finally {
        this.busy.delete(node.name);
        this.busy.delete(id);
      }
    });
  }

  private async handOver(pooledAs: string, id: string, spec: SandboxSpec): Promise<Sandbox> {
    const { docker, networks } = this.context;
    const hostname = hostnameFor(spec.lessonSlug);
    const claim = { lab: id, learnerId: spec.learnerId, lessonSlug: spec.lessonSlug, createdAt: new Date().toISOString(), hostname, pooledAs };
    const [network] = await Promise.all([networks.ensure(id), takeOver(this.context, claim)]);
    await fs.rm(this.context.paths.pooledMark(id));
    await docker.getNetwork(network.name).connect({ Container: id, EndpointConfig: { Aliases: [...new Set([hostname, DEFAULT_NODE])] } });
    await docker.getNetwork(networkName(pooledAs)).disconnect({ Container: id, Force: true });
    await applyIdentity(docker, id, hostname);
    const sandbox = (await findLabs(this.context, id)).get(id);
    if (!sandbox?.running) throw new DriverError("boot_failed", "the claimed node stopped");
    // the empty pool network goes after the learner has the lab (it takes longer than all of the above); a sweep
    // removes it if this process does not get to
    void networks.remove(pooledAs).catch(() => undefined);
    return sandbox;
  }

  /** Pooled nodes no lab claimed (whatever their name), with what their labels say. */
  private async unclaimed(): Promise<Pooled[]> {
    const containers = await this.context.docker.listContainers({ all: true, filters: { label: [LABEL.pool] } });
    const nodes = await Promise.all(
      containers.map(async (c): Promise<Pooled | undefined> => {
        const name = (c.Names[0] ?? c.Id).replace(/^\//, "");
        if (await readClaim(this.context.paths, name)) return undefined;
        const labels = c.Labels;
        return { name, key: labels[LABEL.pool] ?? "", version: labels[LABEL.poolVersion] ?? "", running: c.State === "running", created: c.Created * 1000 };
      }),
    );
    return nodes.filter((n): n is Pooled => n !== undefined);
  }

  /** Unclaimed nodes a lab may take now: running, booted from what is current, their boot finished. */
  private async claimable(): Promise<Pooled[]> {
    const nodes = (await this.unclaimed()).filter((n) => n.running && n.name.startsWith(POOL_PREFIX) && !this.busy.has(n.name));
    const ok = await Promise.all(nodes.map(async (n) => n.version === (await this.version(n.key)) && (await booted(this.context, n.name))));
    return nodes.filter((_, i) => ok[i]);
  }

  /** What a node of the image set boots from: the sandbox image and each course image's file. */
  private async version(key: string): Promise<string> {
    const { docker, settings, paths } = this.context;
    const image = (await docker.getImage(settings.image).inspect()).Id;
    const tars = await Promise.all(
      key
        .split(",")
        .filter(Boolean)
        .map(async (name) => {
          const st = await fs.stat(paths.courseImageTar(name)).catch(() => undefined);
          return `${name} ${st?.size ?? "-"} ${st?.mtimeMs ?? "-"}`;
        }),
    );
    return crypto
      .createHash("sha256")
      .update([image, ...tars].join("\n"))
      .digest("hex")
      .slice(0, 16);
  }

  /** Removes a pooled node nobody else is handling; whether it did. */
  private async remove(name: string): Promise<boolean> {
    if (this.busy.has(name)) return false;
    this.busy.add(name);
    try {
      await removeLab(this.context, name);
      return true;
    } finally {
      this.busy.delete(name);
    }
  }

  /** What pooled nodes left on the engine and the host whose container is gone (a claimed lab's links stay while it is there). */
  private async sweep(): Promise<void> {
    const { docker, paths, disks } = this.context;
    const containers = new Set((await docker.listContainers({ all: true })).flatMap((c) => c.Names.map((n) => n.replace(/^\//, ""))));
    const dirs = await fs.readdir(paths.nodeDirs).catch(() => [] as string[]);
    const networks = (await docker.listNetworks({ filters: { label: [NETWORK_LABEL] } })).map((n) => n.Labels?.[NETWORK_LABEL] ?? "");
    const left = new Set([...dirs, ...(await disks.list()), ...networks].filter((name) => name.startsWith(POOL_PREFIX) && !containers.has(name)));
    for (const name of left) {
      const claim = await readClaim(paths, name).catch(() => undefined);
      if (!claim || !containers.has(claim.lab)) await this.remove(name);
    }
  }
}

/** Whether the pool finished booting the node (its mark, which a claim takes away). */
const booted = ({ paths }: DockerContext, name: string) =>
  fs.access(paths.pooledMark(name)).then(
    () => true,
    () => false,
  );

function tell(onStage: ((stage: BootStage, detail?: string) => void) | undefined, stage: BootStage, detail: string): void {
  try {
    onStage?.(stage, detail);
  } catch {
    // a watcher's bug must not break the claim
  }
}
