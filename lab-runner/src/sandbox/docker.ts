import fs from "node:fs/promises";
import fsSync from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Writable } from "node:stream";
import Dockerode from "dockerode";
import { engineSocket, nodeDiskBytes, stateDir, sandboxIdFor, DEFAULT_NODE, nodeNames, type BootStage } from "@dockyard/contract/server";
import type { ExecResult, LimitHits, NodeLimits, Sandbox, SandboxDriver, SandboxSpec } from "./driver";
import { decodeLogs } from "./logs";
import { createRegistry, labRegistry, registryAnswers, type LabRegistry } from "./registry";
import { isFull, isMountPoint, NodeDisks, usageOf } from "./docker/disk";

// Sandboxes on Dockyard's own userns-remapped dockerd (scripts/engine.sh): Docker-in-Docker without
// --privileged. Recipe and measurements: /work/shared/notes/sandbox.md, lab-runner/sandbox-image/.
// A lab of several nodes is one such container per node on the lab's one network, booted in parallel.

export interface DockerSandboxOptions {
  socketPath?: string;
  stateDir?: string;
  image?: string;
  registryImage?: string;
  seccompProfilePath?: string;
  memoryBytes?: number;
  cpus?: number;
  pidsLimit?: number;
  /** Each node's own disk: its inner Docker data (images, containers, volumes), /root and /tmp. */
  diskBytes?: number;
  /** Lab networks are <labSubnetPrefix>.N.0/24, N = 0..255, with host bridges named dyl-N (firewalled by engine.sh). */
  labSubnetPrefix?: string;
  bootTimeoutMs?: number;
  /**
   * "recipe": Docker's default caps + SYS_ADMIN + NET_ADMIN (measured to isolate). "all-in-userns": every
   * capability, which exist only inside the sandbox's user namespace; needed for inner `docker run --privileged`.
   */
  capabilities?: "recipe" | "all-in-userns";
}

const DEFAULTS = {
  image: "dockyard/sandbox:latest",
  registryImage: "dockyard/registry:latest",
  seccompProfilePath: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../sandbox-image/seccomp-dind.json"),
  memoryBytes: 1024 ** 3,
  cpus: 1,
  pidsLimit: 512,
  diskBytes: nodeDiskBytes(),
  labSubnetPrefix: "10.214",
  bootTimeoutMs: 90_000,
  capabilities: "recipe" as "recipe" | "all-in-userns",
};

// Every container of a lab carries `lab`; nodes also `sandbox`, `node` and `nodes` (how many the lab has), its
// registry `registry`. Containers from before multi-node labs have no `lab`: they are node1 of a lab named like them.
const LABEL = {
  sandbox: "dockyard.sandbox",
  lab: "dockyard.lab",
  node: "dockyard.node",
  nodes: "dockyard.nodes",
  registry: "dockyard.registry",
  learner: "dockyard.learner",
  lesson: "dockyard.lesson",
  created: "dockyard.created",
};
const NETWORK_LABEL = "dockyard.sandbox-network";
const LAB_BRIDGE_PREFIX = "dyl-";

// Docker's default capability set plus what an inner dockerd needs (SYS_ADMIN, NET_ADMIN: measured), plus SYS_PTRACE.
const CAPS = [
  "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
  "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE", "SYS_ADMIN", "NET_ADMIN",
  // docker exec into an inner container whose process is not root opens that process's namespaces: a ptrace check.
  "SYS_PTRACE",
];

// Inside the sandbox (see lab-runner/sandbox-image/entry.sh).
const IN_API_DIR = "/run/dockyard-api";
const IN_COURSE_IMAGES = "/opt/dockyard/course-images"; // <name>.tar of each image the lesson lists
const IN_PACKAGES = "/opt/dockyard/packages";
const IN_REGISTRY_PASSWORD = "/run/dockyard/registry-password";
const IN_SYSFS_ANCHOR = "/run/sysfs-anchor";
const IN_DISK = "/var/lib/dockyard-disk"; // the node's own disk: entry.sh puts its Docker data, /root and /tmp there
const IN_HOST_SETUP_DONE = "/run/.host-setup-done";

export { sandboxIdFor as sandboxId };

export class DockerSandboxDriver implements SandboxDriver {
  private readonly docker: Dockerode;
  private readonly opts: Required<DockerSandboxOptions>;
  private readonly boots = new Map<string, BootProgress>();
  private networkQueue: Promise<unknown> = Promise.resolve();
  private seccompProfile?: Promise<string>;
  private readonly disks: NodeDisks;

  constructor(options: DockerSandboxOptions = {}) {
    this.opts = { socketPath: engineSocket(), stateDir: stateDir(), ...DEFAULTS, ...stripUndefined(options) };
    this.docker = new Dockerode({ socketPath: this.opts.socketPath });
    this.disks = new NodeDisks(path.join(this.opts.stateDir, "disk"), path.join(this.opts.stateDir, "disks"));
  }

  // ---- SandboxDriver ------------------------------------------------------------------------------

  get limits(): NodeLimits {
    const { memoryBytes, cpus, pidsLimit, diskBytes } = this.opts;
    return { memoryBytes, cpus, processes: pidsLimit, diskBytes };
  }

  engineAnswers(): Promise<boolean> {
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000).unref());
    return Promise.race([this.docker.ping().then(() => true, () => false), timeout]);
  }

  /** Read on the host, where the sandbox cannot write: the node's own cgroups, and its disk. */
  async limitHits(id: string, node?: string): Promise<LimitHits> {
    const container = nodeContainer(id, node);
    const pid = (await this.inspect(container))?.State.Pid;
    if (!pid) return { memory: 0, processes: 0, diskFull: false };
    const usage = await usageOf(this.disks.mountPoint(container));
    const diskFull = usage !== undefined && isFull(usage);
    let dirs: string[];
    try {
      dirs = await cgroupDirsOf(pid);
    } catch {
      return { memory: 0, processes: 0, diskFull: false }; // it stopped meanwhile
    }
    const counter = async (file: string, key: string) => {
      for (const dir of dirs) {
        const text = await fs.readFile(path.join(dir, file), "utf8").catch(() => undefined);
        if (text !== undefined) return Number(text.match(new RegExp(`^${key} (\\d+)$`, "m"))?.[1] ?? 0);
      }
      return 0;
    };
    return { memory: await counter("memory.oom_control", "oom_kill"), processes: await counter("pids.events", "max"), diskFull };
  }

  start(spec: SandboxSpec, onStage?: (stage: BootStage, detail?: string) => void): Promise<Sandbox> {
    const id = sandboxIdFor(spec.learnerId, spec.lessonSlug);
    let boot = this.boots.get(id);
    if (!boot) {
      const progress = new BootProgress();
      boot = progress;
      this.boots.set(id, progress);
      progress.promise = this.boot(id, spec, progress).finally(() => this.boots.delete(id));
    }
    return boot.subscribe(onStage);
  }

  async list(): Promise<Sandbox[]> {
    return [...(await this.labNodes()).entries()].map(([id, nodes]) => toSandbox(id, nodes));
  }

  async get(id: string): Promise<Sandbox | undefined> {
    const nodes = (await this.labNodes(id)).get(id);
    return nodes ? toSandbox(id, nodes) : undefined;
  }

  async remove(id: string): Promise<void> {
    await this.boots.get(id)?.promise?.catch(() => undefined);
    await this.removeNow(id);
  }

  exec(id: string, cmd: string[], opts: { timeoutMs?: number; stdin?: string; node?: string } = {}): Promise<ExecResult> {
    return this.execIn(nodeContainer(id, opts.node), cmd, opts);
  }

  private async execIn(container: string, cmd: string[], opts: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const withStdin = opts.stdin !== undefined;
    const exec = await this.docker.getContainer(container).exec({
      Cmd: cmd,
      AttachStdin: withStdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = await exec.start({ hijack: true, stdin: withStdin });
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    });
    this.docker.modem.demuxStream(stream, sink, sink); // stdout and stderr merged in arrival order
    const ended = new Promise<void>((resolve, reject) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", reject);
    });
    if (withStdin) stream.end(opts.stdin); // half-close: the command sees EOF on stdin

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const outcome = await Promise.race([ended, timedOut]).finally(() => clearTimeout(timer));
    if (outcome === "timeout") {
      stream.destroy();
      await this.killExec(exec);
      throw new Error(`command timed out after ${timeoutMs} ms in sandbox ${container} (killed): ${cmd.join(" ")}`);
    }
    return { exitCode: await exitCodeOf(exec), output: Buffer.concat(chunks).toString("utf8") };
  }

  shellCommand(id: string, node?: string): { file: string; args: string[]; env: Record<string, string> } {
    const container = nodeContainer(id, node);
    return {
      file: "/usr/bin/docker", // Engine 20.10 client from docker.io, matching the engine
      args: ["-H", `unix://${this.opts.socketPath}`, "exec", "-it", "-e", "TERM=xterm-256color", "-w", "/root", container, "bash", "-l"],
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        HOME: process.env.HOME ?? "/root",
        TERM: "xterm-256color",
        LANG: "C.UTF-8",
      },
    };
  }

  innerDocker(id: string, node?: string): Dockerode {
    const container = nodeContainer(id, node);
    const socketPath = this.innerSocketPath(container);
    assertTrustedSocket(socketPath, container);
    return new Dockerode({ socketPath });
  }

  async address(id: string, node?: string): Promise<string | undefined> {
    const info = await this.inspect(nodeContainer(id, node));
    if (!info?.State.Running) return undefined;
    return info.NetworkSettings.Networks[this.networkName(id)]?.IPAddress || undefined;
  }

  registry(id: string): Promise<LabRegistry | undefined> {
    return labRegistry(this.docker, id, this.networkName(id));
  }

  // ---- boot ---------------------------------------------------------------------------------------

  // Every stage runs on all nodes at once; the lab moves to the next stage when each node has passed it.
  private async boot(id: string, spec: SandboxSpec, progress: BootProgress): Promise<Sandbox> {
    let stage: BootStage | "check" = "check";
    const enter = (s: BootStage, detail?: string) => {
      stage = s;
      progress.emit(s, detail);
    };
    const nodes = nodeNames(spec.nodes ?? 1);
    const containers = nodes.map((node) => nodeContainer(id, node));
    const onEvery = (step: (container: string) => Promise<unknown>) => Promise.all(containers.map(step));
    try {
      const existing = await this.get(id);
      if (existing?.running && (await this.isReady(id, existing, spec, containers))) {
        enter("ready", "already running");
        return existing;
      }
      if (existing || (await this.registry(id))) await this.removeNow(id); // half-started, dead or reshaped: start over
      await this.checkHostPrerequisites(spec);
      const deadline = Date.now() + this.opts.bootTimeoutMs;

      enter("network");
      const network = await this.ensureNetwork(id);
      enter("container", network.subnet);
      const labels = { [LABEL.lab]: id, [LABEL.learner]: spec.learnerId, [LABEL.lesson]: spec.lessonSlug, [LABEL.created]: new Date().toISOString() };
      await Promise.all([
        ...nodes.map((node) => this.createContainer(id, node, spec, network.name, labels)),
        spec.registry ? this.startRegistry(id, network.name, labels) : undefined,
      ]);
      enter("delegate");
      await onEvery(async (container) => {
        await this.delegateCgroups(container);
        await this.execIn(container, ["touch", IN_HOST_SETUP_DONE], { timeoutMs: 10_000 });
      });
      enter("engine");
      await Promise.all([
        onEvery(async (container) => {
          await this.waitFor(container, deadline, "the inner Docker engine", () => this.innerEngineAnswers(container));
          await this.secureInnerSocket(container);
        }),
        spec.registry ? this.waitForRegistry(id, deadline) : undefined,
      ]);
      if (spec.registry) await onEvery((container) => this.handRegistryPassword(id, container));
      enter("images");
      await onEvery(async (container) => {
        await this.waitFor(container, deadline, "course images to load", () => exists(path.join(this.apiDir(container), "ready")));
        await this.verifyImages(container, spec.images);
      });
      const sandbox = await this.get(id);
      if (!sandbox?.running) throw new Error("a node of the lab stopped");
      enter("ready");
      return sandbox;
    } catch (err) {
      const diagnostics = (await Promise.all(nodes.map((node, i) => this.diagnostics(containers[i]!, nodes.length > 1 ? node : "")))).join("");
      await this.removeNow(id).catch(() => undefined);
      throw new Error(`sandbox ${id} failed to boot (stage ${stage}): ${errorMessage(err)}${diagnostics}`);
    }
  }

  private async checkHostPrerequisites(spec: SandboxSpec): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw new Error(`Dockyard's engine does not answer on ${this.opts.socketPath} (run: bash scripts/engine.sh start): ${errorMessage(err)}`);
    }
    if (!(await isMountPoint(this.sysfsAnchor())))
      throw new Error(`${this.sysfsAnchor()} is not mounted (run: bash scripts/engine.sh start)`);
    if (!(await this.disks.poolMounted()))
      throw new Error(`Dockyard's own filesystem is not mounted at ${path.join(this.opts.stateDir, "disk")} (run: bash scripts/engine.sh start)`);
    for (const image of spec.images)
      if (!(await exists(this.courseImageTar(image))))
        throw new Error(`${this.courseImageTar(image)} is missing (is it under content/images? run: bash scripts/images.sh)`);
    if (!(await exists(this.packagesDir())))
      throw new Error(`${this.packagesDir()} is missing (run: bash scripts/packages.sh)`);
  }

  /** A one-node lab's machine is named after the lesson (the prompt shows it); several nodes are node1…nodeN. */
  private async createContainer(id: string, node: string, spec: SandboxSpec, networkName: string, labels: Record<string, string>): Promise<void> {
    const name = nodeContainer(id, node);
    await this.prepareHostDir(name);
    await this.disks.prepare(name, this.opts.diskBytes);
    const nodes = spec.nodes ?? 1;
    const hostname = nodes > 1 ? node : hostnameFor(spec.lessonSlug);
    const mounts: Dockerode.MountSettings[] = [
      { Type: "bind", Source: this.apiDir(name), Target: IN_API_DIR },
      { Type: "bind", Source: this.sysfsAnchor(), Target: IN_SYSFS_ANCHOR },
      { Type: "bind", Source: this.disks.mountPoint(name), Target: IN_DISK },
      // Sandboxes have no internet: inner containers install software from this tree, which the sandbox serves
      // read-only on its inner bridge (entry.sh). Only the lesson's images are loaded: each adds to the boot.
      { Type: "bind", Source: this.packagesDir(), Target: IN_PACKAGES, ReadOnly: true },
      ...[...new Set(spec.images)].map(
        (image): Dockerode.MountSettings => ({ Type: "bind", Source: this.courseImageTar(image), Target: `${IN_COURSE_IMAGES}/${image}.tar`, ReadOnly: true }),
      ),
    ];
    let container: Dockerode.Container;
    try {
      container = await this.docker.createContainer({
        name,
        Hostname: hostname,
        Image: this.opts.image,
        Labels: { ...labels, [LABEL.sandbox]: "1", [LABEL.node]: node, [LABEL.nodes]: String(nodes) },
        HostConfig: await this.hostConfig(networkName, mounts),
        NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: [...new Set([hostname, node])] } } },
      });
    } catch (err) {
      if (statusOf(err) === 404) throw new Error(`image ${this.opts.image} is missing (run: bash scripts/images.sh)`);
      throw err;
    }
    await container.start();
  }

  private async startRegistry(id: string, networkName: string, labels: Record<string, string>): Promise<void> {
    try {
      await createRegistry(this.docker, id, { image: this.opts.registryImage, networkName, labels: { ...labels, [LABEL.registry]: "1" } });
    } catch (err) {
      if (statusOf(err) === 404) throw new Error(`image ${this.opts.registryImage} is missing (run: bash scripts/images.sh)`);
      throw err;
    }
  }

  /** The learner's registry password also lives on every node, so that scripts (and lessons:test) can log in with it. */
  private async handRegistryPassword(id: string, container: string): Promise<void> {
    const registry = await this.registry(id);
    if (!registry) throw new Error("the lab's registry stopped");
    const write = await this.execIn(container, ["sh", "-c", `umask 077 && mkdir -p /run/dockyard && cat > ${IN_REGISTRY_PASSWORD}`], {
      timeoutMs: 10_000,
      stdin: registry.password,
    });
    if (write.exitCode !== 0) throw new Error(`could not hand the registry password to the node: ${write.output}`);
  }

  private async waitForRegistry(id: string, deadline: number): Promise<void> {
    for (;;) {
      const registry = await this.registry(id);
      if (!registry) throw new Error("the lab's registry stopped");
      if (await registryAnswers(registry)) return;
      if (Date.now() >= deadline) throw new Error(`timed out waiting for the lab's registry after ${this.opts.bootTimeoutMs} ms`);
      await sleep(100);
    }
  }

  private async hostConfig(networkName: string, mounts: Dockerode.MountSettings[]): Promise<Dockerode.HostConfig> {
    const config: Dockerode.HostConfig & { CgroupnsMode: "private" } = {
      NetworkMode: networkName,
      Privileged: false,
      ...(this.opts.capabilities === "all-in-userns" ? { CapAdd: ["ALL"] } : { CapDrop: ["ALL"], CapAdd: CAPS }),
      SecurityOpt: [`seccomp=${await this.seccomp()}`],
      CgroupnsMode: "private",
      // Where no upstream DNS answers sandboxes (an offline host like ours), a lookup of an outside name hangs
      // 20 s (measured), e.g. the image digest every `docker service create` asks for; this fails it in 2 s.
      DnsOptions: ["timeout:1", "attempts:1"],
      Init: true, // docker-init reaps the orphans of learner shells and forwards SIGTERM to the entry
      Tmpfs: { "/run": "rw,nosuid,nodev,mode=755,size=65536k" },
      Mounts: mounts,
      Memory: this.opts.memoryBytes,
      MemorySwap: this.opts.memoryBytes, // no swap on top of the memory limit
      NanoCpus: Math.round(this.opts.cpus * 1e9),
      PidsLimit: this.opts.pidsLimit,
      OomScoreAdj: 500, // under host memory pressure a sandbox goes before the platform
      RestartPolicy: { Name: "no" },
      LogConfig: { Type: "json-file", Config: { "max-size": "1m", "max-file": "1" } },
    };
    return config;
  }

  private seccomp(): Promise<string> {
    this.seccompProfile ??= fs.readFile(this.opts.seccompProfilePath, "utf8").then((text) => JSON.stringify(JSON.parse(text)));
    return this.seccompProfile;
  }

  // The api dir is root-owned and sticky: the sandbox's (remapped) root can create its socket there but,
  // once we chown the socket to host root, can no longer replace it (e.g. by a symlink to a host socket).
  private async prepareHostDir(id: string): Promise<void> {
    await fs.rm(this.sandboxDir(id), { recursive: true, force: true });
    await fs.mkdir(this.apiDir(id), { recursive: true });
    await fs.chmod(this.sandboxDir(id), 0o755);
    await fs.chmod(this.apiDir(id), 0o1777);
  }

  private async secureInnerSocket(id: string): Promise<void> {
    const socketPath = this.innerSocketPath(id);
    const st = await fs.lstat(socketPath);
    if (!st.isSocket()) throw new Error(`${socketPath} is not a socket`);
    await fs.lchown(socketPath, 0, 0);
  }

  // What the sandbox's remapped root must own. Its own disk; and cgroup v1 delegation: the inner dockerd must
  // create child cgroups and move processes, so the directory and its membership files (never the limit files).
  private async delegateCgroups(id: string): Promise<void> {
    const info = await this.inspect(id);
    const pid = info?.State.Pid;
    if (!pid) throw new Error("the sandbox container is not running");
    const [uidMap, gidMap, dirs] = await Promise.all([fs.readFile(`/proc/${pid}/uid_map`, "utf8"), fs.readFile(`/proc/${pid}/gid_map`, "utf8"), cgroupDirsOf(pid)]);
    const uid = remappedRoot(uidMap);
    const gid = remappedRoot(gidMap);
    if (uid === 0 || gid === 0) throw new Error("the engine is not userns-remapped; refusing to delegate cgroups to host root");
    await this.disks.chown(id, uid, gid);
    if (dirs.length === 0) throw new Error("no cgroup v1 hierarchies found for the sandbox");
    await Promise.all(
      dirs.flatMap((dir) =>
        ["", "cgroup.procs", "tasks", "cgroup.clone_children"].map((file) => fs.chown(path.join(dir, file), uid, gid)),
      ),
    );
  }

  private async innerEngineAnswers(id: string): Promise<boolean> {
    const socketPath = this.innerSocketPath(id);
    const st = await fs.lstat(socketPath).catch(() => undefined);
    if (!st?.isSocket()) return false;
    try {
      await new Dockerode({ socketPath, timeout: 2_000 }).ping();
      return true;
    } catch {
      return false;
    }
  }

  /** The running lab is what the spec asks (as many nodes, a registry or none) and every node is ready. */
  private async isReady(id: string, existing: Sandbox, spec: SandboxSpec, containers: string[]): Promise<boolean> {
    if (existing.nodes.length !== containers.length || Boolean(spec.registry) !== Boolean(await this.registry(id))) return false;
    const ready = async (container: string) => {
      if (!(await exists(path.join(this.apiDir(container), "ready")))) return false;
      const socketPath = this.innerSocketPath(container);
      assertTrustedSocket(socketPath, container);
      await new Dockerode({ socketPath }).ping();
      return true;
    };
    try {
      return (await Promise.all(containers.map(ready))).every(Boolean);
    } catch {
      return false;
    }
  }

  private async verifyImages(id: string, images: string[]): Promise<void> {
    const inner = this.innerDocker(id);
    for (const name of images) {
      const ref = name.includes(":") ? name : `${name}:latest`;
      try {
        await inner.getImage(ref).inspect();
      } catch {
        throw new Error(`course image ${ref} was not loaded into the sandbox (is it under content/images? run: bash scripts/images.sh)`);
      }
    }
  }

  /** Polls `probe` until true; fails fast when the entry script reported failure or the container died. */
  private async waitFor(id: string, deadline: number, what: string, probe: () => Promise<boolean>): Promise<void> {
    let nextInspect = Date.now() + 500;
    for (;;) {
      if (await probe()) return;
      const failure = await readSmallFile(path.join(this.apiDir(id), "failed"));
      if (failure) throw new Error(failure.trim());
      if (Date.now() >= nextInspect) {
        nextInspect = Date.now() + 500;
        const info = await this.inspect(id);
        if (!info?.State.Running) throw new Error(`the sandbox exited (exit code ${info?.State.ExitCode ?? "?"})`);
      }
      if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what} after ${this.opts.bootTimeoutMs} ms`);
      await sleep(50);
    }
  }

  private async diagnostics(container: string, which: string): Promise<string> {
    const parts: string[] = [];
    const of = which ? ` of ${which}` : "";
    try {
      const logs = await this.docker.getContainer(container).logs({ stdout: true, stderr: true, tail: 15 });
      const text = decodeLogs(logs).trim();
      if (text) parts.push(`sandbox output${of}:\n${text}`);
      const inner = await this.execIn(container, ["tail", "-n", "15", "/var/log/dockerd.log"], { timeoutMs: 3_000 });
      if (inner.output.trim()) parts.push(`inner dockerd log${of}:\n${inner.output.trim()}`);
    } catch {
      // the container may be gone already; the error message says enough then
    }
    return parts.length ? `\n${parts.join("\n")}` : "";
  }

  // ---- networks -----------------------------------------------------------------------------------

  private networkName(id: string): string {
    return `${id}-net`;
  }

  /** One bridge network per sandbox with an explicit subnet from Dockyard's lab pool. */
  private ensureNetwork(id: string): Promise<{ name: string; subnet: string }> {
    // serialized so that two boots in this process never pick the same free subnet
    const run = this.networkQueue.then(() => this.createNetwork(id));
    this.networkQueue = run.catch(() => undefined);
    return run;
  }

  private async createNetwork(id: string): Promise<{ name: string; subnet: string }> {
    const name = this.networkName(id);
    const existing = await this.docker.getNetwork(name).inspect().catch(() => undefined);
    if (existing) return { name, subnet: existing.IPAM?.Config?.[0]?.Subnet ?? "" };
    const used = await this.usedLabSlots();
    for (let slot = 0; slot < 256; slot++) {
      if (used.has(slot)) continue;
      const subnet = `${this.opts.labSubnetPrefix}.${slot}.0/24`;
      try {
        await this.docker.createNetwork({
          Name: name,
          Driver: "bridge",
          CheckDuplicate: true,
          IPAM: { Driver: "default", Config: [{ Subnet: subnet, Gateway: `${this.opts.labSubnetPrefix}.${slot}.1` }] },
          Options: {
            "com.docker.network.bridge.name": `${LAB_BRIDGE_PREFIX}${slot}`,
            "com.docker.network.bridge.enable_icc": "true", // nodes of one lab talk; other labs are isolated by Docker
          },
          Labels: { [NETWORK_LABEL]: id },
        });
        return { name, subnet };
      } catch (err) {
        const raced = await this.docker.getNetwork(name).inspect().catch(() => undefined);
        if (raced) return { name, subnet: raced.IPAM?.Config?.[0]?.Subnet ?? "" };
        // another lab-runner process took this subnet (or bridge name) meanwhile: try the next one
        if (/overlap|exists|in use/i.test(errorMessage(err))) continue;
        throw err;
      }
    }
    throw new Error(`no free lab subnet left in ${this.opts.labSubnetPrefix}.0.0/16`);
  }

  private async usedLabSlots(): Promise<Set<number>> {
    const networks = await this.docker.listNetworks();
    const prefix = `${this.opts.labSubnetPrefix}.`;
    const used = new Set<number>();
    for (const n of networks) {
      for (const c of n.IPAM?.Config ?? []) {
        const subnet = c.Subnet ?? "";
        if (subnet.startsWith(prefix)) used.add(Number(subnet.slice(prefix.length).split(".")[0]));
      }
      const bridge = n.Options?.["com.docker.network.bridge.name"] ?? "";
      if (bridge.startsWith(LAB_BRIDGE_PREFIX)) used.add(Number(bridge.slice(LAB_BRIDGE_PREFIX.length)));
    }
    return used;
  }

  // ---- removal ------------------------------------------------------------------------------------

  /** Every container of the lab (found by its label, and node1 by its name), then its network and host directories. */
  private async removeNow(id: string): Promise<void> {
    const labelled = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL.lab}=${id}`] } });
    const names = new Set([id, ...labelled.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ""))]);
    await Promise.all([...names].map((name) => this.removeContainer(name)));
    await this.removeNetwork(this.networkName(id));
    const ofLab = (dir: string) => dir === id || dir.startsWith(`${id}-`);
    const dirs = await fs.readdir(path.join(this.opts.stateDir, "sandboxes")).catch(() => [] as string[]);
    await Promise.all([
      ...dirs.filter(ofLab).map((dir) => fs.rm(this.sandboxDir(dir), { recursive: true, force: true })),
      ...(await this.disks.list()).filter(ofLab).map((dir) => this.disks.remove(dir)),
    ]);
  }

  private async removeContainer(id: string): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await this.docker.getContainer(id).remove({ force: true, v: true });
        return;
      } catch (err) {
        if (statusOf(err) === 404) return;
        if (statusOf(err) !== 409) throw err; // 409: removal already in progress
        await sleep(200);
      }
    }
    throw new Error(`could not remove sandbox container ${id}`);
  }

  private async removeNetwork(name: string): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await this.docker.getNetwork(name).remove();
        return;
      } catch (err) {
        if (statusOf(err) === 404) return;
        if (attempt === 9) throw err;
        await sleep(200); // endpoints of a just-removed container may linger for a moment
      }
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------

  /** Node containers by lab: every lab's, or only those of one lab (whose containers all contain its id in their name). */
  private async labNodes(id?: string): Promise<Map<string, Dockerode.ContainerInfo[]>> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.sandbox}=1`], ...(id ? { name: [id] } : {}) },
    });
    const labs = new Map<string, Dockerode.ContainerInfo[]>();
    for (const c of containers) {
      const lab = c.Labels[LABEL.lab] ?? (c.Names[0] ?? c.Id).replace(/^\//, "");
      if (id && lab !== id) continue;
      labs.set(lab, [...(labs.get(lab) ?? []), c]);
    }
    return labs;
  }

  private async inspect(id: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(id).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async killExec(exec: Dockerode.Exec): Promise<void> {
    try {
      const info = await exec.inspect();
      // ExecInspect reports the host pid; the engine API has no "kill exec" call
      if (info.Running && info.Pid > 0) process.kill(info.Pid, "SIGKILL");
    } catch {
      // already gone
    }
  }

  private sandboxDir(id: string): string {
    if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`invalid sandbox id: ${id}`);
    return path.join(this.opts.stateDir, "sandboxes", id);
  }
  private apiDir(id: string): string {
    return path.join(this.sandboxDir(id), "api");
  }
  private innerSocketPath(id: string): string {
    return path.join(this.apiDir(id), "docker.sock");
  }
  private courseImageTar(image: string): string {
    return path.join(this.opts.stateDir, "images", "course", `${image}.tar`);
  }
  private packagesDir(): string {
    return path.join(this.opts.stateDir, "packages");
  }
  private sysfsAnchor(): string {
    return path.join(this.opts.stateDir, "sysfs-anchor");
  }
}

/** Stage fan-out for one boot: late subscribers (a second start() of the same sandbox) get the stages so far. */
class BootProgress {
  promise!: Promise<Sandbox>;
  private readonly seen: [BootStage, string | undefined][] = [];
  private readonly listeners = new Set<(stage: BootStage, detail?: string) => void>();

  emit(stage: BootStage, detail?: string): void {
    this.seen.push([stage, detail]);
    for (const listener of this.listeners) safeCall(listener, stage, detail);
  }

  async subscribe(listener?: (stage: BootStage, detail?: string) => void): Promise<Sandbox> {
    if (!listener) return this.promise;
    for (const [stage, detail] of this.seen) safeCall(listener, stage, detail);
    this.listeners.add(listener);
    try {
      return await this.promise;
    } finally {
      this.listeners.delete(listener);
    }
  }
}

function safeCall(listener: (stage: BootStage, detail?: string) => void, stage: BootStage, detail?: string): void {
  try {
    listener(stage, detail);
  } catch {
    // a watcher's bug must not break the boot
  }
}

function toSandbox(id: string, containers: Dockerode.ContainerInfo[]): Sandbox {
  const labels = containers[0]!.Labels;
  const nodes = containers.map((c) => c.Labels[LABEL.node] ?? DEFAULT_NODE).sort();
  const wanted = Number(labels[LABEL.nodes] ?? 1);
  return {
    id,
    learnerId: labels[LABEL.learner] ?? "",
    lessonSlug: labels[LABEL.lesson] ?? "",
    createdAt: new Date(labels[LABEL.created] ?? containers[0]!.Created * 1000),
    running: nodes.length === wanted && containers.every((c) => c.State === "running"),
    nodes,
  };
}

/** node1's container is named after the lab (as a one-node sandbox always was); the others are <lab>-nodeN. */
export function nodeContainer(id: string, node: string = DEFAULT_NODE): string {
  if (!/^node[1-9]$/.test(node)) throw new Error(`invalid node name: ${node}`);
  return node === DEFAULT_NODE ? id : `${id}-${node}`;
}

/** A DNS-safe hostname from the lesson slug: the shell prompt shows it. */
export function hostnameFor(lessonSlug: string): string {
  const name = lessonSlug.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
  return name || "sandbox";
}

/** The host uid/gid that uid/gid 0 inside the container maps to ("0 100000 65536"). */
function remappedRoot(map: string): number {
  for (const line of map.trim().split("\n")) {
    const [inside, outside] = line.trim().split(/\s+/).map(Number);
    if (inside === 0 && outside !== undefined) return outside;
  }
  throw new Error(`no mapping for root in ${JSON.stringify(map)}`);
}

/** Host directories of a process's cgroup v1 hierarchies, from /proc/PID/cgroup and /proc/self/mounts. */
/** The host directories of a process's cgroup v1 hierarchies. */
async function cgroupDirsOf(pid: number): Promise<string[]> {
  const [cgroups, mounts] = await Promise.all([fs.readFile(`/proc/${pid}/cgroup`, "utf8"), fs.readFile("/proc/self/mounts", "utf8")]);
  return cgroupDirs(cgroups, mounts);
}

export function cgroupDirs(procCgroup: string, procMounts: string): string[] {
  const mountPoints = procMounts
    .split("\n")
    .map((line) => line.split(" "))
    .filter((f) => f[2] === "cgroup")
    .map((f) => ({ dir: f[1] ?? "", options: new Set((f[3] ?? "").split(",")) }));
  const dirs: string[] = [];
  for (const line of procCgroup.trim().split("\n")) {
    const [, controllers = "", cgroupPath = ""] = line.split(":");
    if (!controllers) continue; // cgroup v2 line
    const wanted = controllers.split(",");
    const mount = mountPoints.find((m) => wanted.every((c) => m.options.has(c)));
    if (mount) dirs.push(path.join(mount.dir, cgroupPath));
  }
  return dirs;
}

// The inner socket lives in a directory the sandbox can write to: only trust a socket owned by host root
// (we chown it at boot; the sticky bit keeps the sandbox from replacing it afterwards).
function assertTrustedSocket(socketPath: string, id: string): void {
  let st: fsSync.Stats;
  try {
    st = fsSync.lstatSync(socketPath);
  } catch {
    throw new Error(`sandbox ${id} has no inner Docker engine socket (not started?)`);
  }
  if (!st.isSocket() || st.uid !== 0) throw new Error(`refusing the inner Docker socket of sandbox ${id}: not a root-owned socket`);
}

async function exitCodeOf(exec: Dockerode.Exec): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await sleep(20);
  }
  throw new Error("the command's exit code did not become available");
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}

// The file lives in a sandbox-writable directory: never follow a symlink, never read much.
async function readSmallFile(file: string): Promise<string | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, fsSync.constants.O_RDONLY | fsSync.constants.O_NOFOLLOW | fsSync.constants.O_NONBLOCK);
    if (!(await handle.stat()).isFile()) return undefined;
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

function errorMessage(err: unknown): string {
  const json = (err as { json?: { message?: string } })?.json;
  return json?.message ?? (err instanceof Error ? err.message : String(err));
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
