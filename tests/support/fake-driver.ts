import type Dockerode from "dockerode";
import { type BootStage, nodeNames, sandboxIdFor } from "@dockyard/contract/server";
import {
  DriverError,
  imageSetKey,
  type DiskUsage,
  type LimitHits,
  type NodeEndpoint,
  type NodePool,
  type Sandbox,
  type SandboxDriver,
  type SandboxSpec,
} from "../../lab-runner/src/sandbox/driver";

// A SandboxDriver in memory: sandboxes are records, boots succeed or fail on demand. The unit tests of LabManager
// run on it; with lab-runner/src/sandbox/driver.ts it is also the smallest example of what a driver must do
// (lab-runner/src/sandbox/docker.ts is the real one).
export class FakeDriver implements SandboxDriver {
  sandboxes = new Map<string, Sandbox>();
  starts = 0;
  failNext = false;
  /** What the start failNext fails throws. */
  failWith = new DriverError("engine_down", "engine down");
  /** When set, the sandbox's container runs but its boot waits for this (the inner engine still starting). */
  engineStarting?: Promise<void>;
  /** Every command run in a sandbox, with the node it ran on. */
  execs: { node: string; cmd: string[] }[] = [];
  engineUp = true;
  /** When a suspend happens (the eviction tests set it). */
  clock = () => new Date();
  /** What storageUsage() answers (the eviction tests set it). */
  storage: () => DiskUsage | undefined = () => undefined;
  readonly pool = new FakePool(this);
  async engineAnswers() {
    return this.engineUp;
  }
  readonly limits = { memoryBytes: 1024 ** 3, containersMemoryBytes: 864 * 1024 ** 2, cpus: 1, processes: 512, diskBytes: 10 * 1024 ** 3 };
  /** What each node's limits stopped so far, by "<sandbox>/<node>". */
  hits = new Map<string, LimitHits>();
  async limitHits(id: string, node = "node1") {
    return this.hits.get(`${id}/${node}`) ?? { memory: 0, containersMemory: 0, processes: 0, diskFull: false };
  }
  /** What each node uses, by "<sandbox>/<node>" (64 MiB unless set), while its lab runs. */
  memory = new Map<string, number>();
  async memoryUsage(id: string, node = "node1") {
    return this.sandboxes.get(id)?.running ? (this.memory.get(`${id}/${node}`) ?? 64 * 1024 ** 2) : undefined;
  }
  async start(spec: SandboxSpec, onStage?: (stage: BootStage, detail?: string) => void) {
    this.starts++;
    onStage?.("network");
    await new Promise((r) => setTimeout(r, 5));
    if (this.failNext) {
      this.failNext = false;
      throw this.failWith;
    }
    const id = sandboxIdFor(spec.learnerId, spec.lessonSlug);
    const { suspendedAt, ...kept } = this.sandboxes.get(id) ?? {};
    const s: Sandbox = suspendedAt
      ? { ...(kept as Sandbox), running: true } // resumed: everything it held is kept
      : { id, learnerId: spec.learnerId, lessonSlug: spec.lessonSlug, createdAt: new Date(), running: true, nodes: nodeNames(spec.nodes ?? 1) };
    this.sandboxes.set(id, s);
    await this.engineStarting;
    return suspendedAt ? { ...s, resumedFrom: suspendedAt } : s;
  }
  async list() {
    return [...this.sandboxes.values()];
  }
  async get(id: string) {
    return this.sandboxes.get(id);
  }
  async remove(id: string) {
    this.sandboxes.delete(id);
  }
  async suspend(id: string) {
    const s = this.sandboxes.get(id);
    if (!s) throw new DriverError("not_running", `sandbox ${id} is not there`);
    if (!s.suspendedAt) this.sandboxes.set(id, { ...s, running: false, suspendedAt: this.clock() });
  }
  async storageUsage() {
    return this.storage();
  }
  async exec(_id: string, cmd: string[], opts: { node?: string } = {}) {
    this.execs.push({ node: opts.node ?? "node1", cmd });
    return { exitCode: 0, output: cmd.includes("read") ? "file\nswarm ready\n" : "" };
  }
  shellCommand(_id: string, node = "node1") {
    return { file: "/bin/true", args: [node], env: {} };
  }
  innerDocker() {
    return {} as Dockerode; // no check here asks the inner engine
  }
  async endpoint(): Promise<NodeEndpoint | undefined> {
    return undefined;
  }
  async registry() {
    return undefined;
  }
}

/** A warm pool in memory: nodes are names with an image set; a claim makes the lab's record and says which node it took. */
export class FakePool implements NodePool {
  /** Unclaimed nodes: name → image set key. */
  unclaimed = new Map<string, string>();
  /** Which node each claimed lab got, in order. */
  claims: { lab: string; node: string }[] = [];
  fills = 0;
  /** When set, every fill waits for it (a node still booting). */
  booting?: Promise<void>;
  private made = 0;

  constructor(private readonly driver: FakeDriver) {}

  async pooled() {
    const counts = new Map<string, number>();
    for (const key of this.unclaimed.values()) counts.set(key, (counts.get(key) ?? 0) + 1);
    return counts;
  }
  async fill(images: string[]) {
    this.fills++;
    await this.booting;
    this.unclaimed.set(`pooled-${++this.made}`, imageSetKey(images));
  }
  async prune(keep: Set<string>) {
    const gone = [...this.unclaimed].filter(([, key]) => !keep.has(key));
    for (const [name] of gone) this.unclaimed.delete(name);
    return gone.length;
  }
  async claim(spec: SandboxSpec) {
    const id = sandboxIdFor(spec.learnerId, spec.lessonSlug);
    if ((spec.nodes ?? 1) !== 1 || spec.registry || this.driver.sandboxes.has(id)) return undefined;
    const node = [...this.unclaimed].find(([, key]) => key === imageSetKey(spec.images))?.[0];
    if (!node) return undefined;
    this.unclaimed.delete(node);
    this.claims.push({ lab: id, node });
    const sandbox: Sandbox = { id, learnerId: spec.learnerId, lessonSlug: spec.lessonSlug, createdAt: new Date(), running: true, nodes: ["node1"] };
    this.driver.sandboxes.set(id, sandbox);
    return sandbox;
  }
}
