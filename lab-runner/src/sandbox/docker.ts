import fs from "node:fs/promises";
import fsSync from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Writable } from "node:stream";
import Dockerode from "dockerode";
import { engineSocket, stateDir } from "../shared/config";
import { sandboxIdFor } from "../shared/ids";
import type { BootStage } from "../shared/types";
import type { ExecResult, Sandbox, SandboxDriver, SandboxSpec } from "./driver";
import { decodeLogs } from "./logs";

// Sandboxes on Dockyard's own userns-remapped dockerd (scripts/engine.sh): Docker-in-Docker without
// --privileged. Recipe and measurements: /work/shared/notes/sandbox.md, lab-runner/sandbox-image/.

export interface DockerSandboxOptions {
  socketPath?: string;
  stateDir?: string;
  image?: string;
  seccompProfilePath?: string;
  memoryBytes?: number;
  cpus?: number;
  pidsLimit?: number;
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
  seccompProfilePath: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../sandbox-image/seccomp-dind.json"),
  memoryBytes: 1024 ** 3,
  cpus: 1,
  pidsLimit: 512,
  labSubnetPrefix: "10.214",
  bootTimeoutMs: 90_000,
  capabilities: "recipe" as "recipe" | "all-in-userns",
};

const LABEL = { sandbox: "dockyard.sandbox", learner: "dockyard.learner", lesson: "dockyard.lesson", created: "dockyard.created" };
const NETWORK_LABEL = "dockyard.sandbox-network";
const LAB_BRIDGE_PREFIX = "dyl-";

// Docker's default capability set plus what an inner dockerd needs (measured: nothing more is required).
const CAPS = [
  "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
  "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE", "SYS_ADMIN", "NET_ADMIN",
];

// Inside the sandbox (see lab-runner/sandbox-image/entry.sh).
const IN_API_DIR = "/run/dockyard-api";
const IN_COURSE_IMAGES = "/opt/dockyard/course-images.tar";
const IN_SYSFS_ANCHOR = "/run/sysfs-anchor";
const IN_HOST_SETUP_DONE = "/run/.host-setup-done";

export { sandboxIdFor as sandboxId };

export class DockerSandboxDriver implements SandboxDriver {
  private readonly docker: Dockerode;
  private readonly opts: Required<DockerSandboxOptions>;
  private readonly boots = new Map<string, BootProgress>();
  private networkQueue: Promise<unknown> = Promise.resolve();
  private seccompProfile?: Promise<string>;

  constructor(options: DockerSandboxOptions = {}) {
    this.opts = { socketPath: engineSocket(), stateDir: stateDir(), ...DEFAULTS, ...stripUndefined(options) };
    this.docker = new Dockerode({ socketPath: this.opts.socketPath });
  }

  // ---- SandboxDriver ------------------------------------------------------------------------------

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
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL.sandbox}=1`] } });
    return containers.map((c) => ({
      id: (c.Names[0] ?? c.Id).replace(/^\//, ""),
      learnerId: c.Labels[LABEL.learner] ?? "",
      lessonSlug: c.Labels[LABEL.lesson] ?? "",
      createdAt: new Date(c.Labels[LABEL.created] ?? c.Created * 1000),
      running: c.State === "running",
    }));
  }

  async get(id: string): Promise<Sandbox | undefined> {
    const info = await this.inspect(id);
    return info && info.Config.Labels?.[LABEL.sandbox] === "1" ? toSandbox(id, info) : undefined;
  }

  async remove(id: string): Promise<void> {
    await this.boots.get(id)?.promise?.catch(() => undefined);
    await this.removeNow(id);
  }

  async exec(id: string, cmd: string[], opts: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const withStdin = opts.stdin !== undefined;
    const exec = await this.docker.getContainer(id).exec({
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
      throw new Error(`command timed out after ${timeoutMs} ms in sandbox ${id} (killed): ${cmd.join(" ")}`);
    }
    return { exitCode: await exitCodeOf(exec), output: Buffer.concat(chunks).toString("utf8") };
  }

  shellCommand(id: string): { file: string; args: string[]; env: Record<string, string> } {
    return {
      file: "/usr/bin/docker", // Engine 20.10 client from docker.io, matching the engine
      args: ["-H", `unix://${this.opts.socketPath}`, "exec", "-it", "-e", "TERM=xterm-256color", "-w", "/root", id, "bash", "-l"],
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        HOME: process.env.HOME ?? "/root",
        TERM: "xterm-256color",
        LANG: "C.UTF-8",
      },
    };
  }

  innerDocker(id: string): Dockerode {
    const socketPath = this.innerSocketPath(id);
    assertTrustedSocket(socketPath, id);
    return new Dockerode({ socketPath });
  }

  // ---- boot ---------------------------------------------------------------------------------------

  private async boot(id: string, spec: SandboxSpec, progress: BootProgress): Promise<Sandbox> {
    let stage: BootStage | "check" = "check";
    const enter = (s: BootStage, detail?: string) => {
      stage = s;
      progress.emit(s, detail);
    };
    try {
      const existing = await this.inspect(id);
      if (existing?.State.Running && (await this.isReady(id))) {
        enter("ready", "already running");
        return toSandbox(id, existing);
      }
      if (existing) await this.removeNow(id); // half-started or dead: start over
      await this.checkHostPrerequisites(spec);
      const deadline = Date.now() + this.opts.bootTimeoutMs;

      enter("network");
      const network = await this.ensureNetwork(id);
      enter("container", network.subnet);
      await this.createContainer(id, spec, network.name);
      enter("delegate");
      await this.delegateCgroups(id);
      await this.exec(id, ["touch", IN_HOST_SETUP_DONE], { timeoutMs: 10_000 });
      enter("engine");
      await this.waitFor(id, deadline, "the inner Docker engine", () => this.innerEngineAnswers(id));
      await this.secureInnerSocket(id);
      enter("images");
      await this.waitFor(id, deadline, "course images to load", () => exists(path.join(this.apiDir(id), "ready")));
      await this.verifyImages(id, spec.images);
      const info = await this.inspect(id);
      if (!info) throw new Error("the sandbox container disappeared");
      enter("ready");
      return toSandbox(id, info);
    } catch (err) {
      const diagnostics = await this.diagnostics(id);
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
    if (spec.images.length > 0 && !(await exists(this.courseImagesTar())))
      throw new Error(`${this.courseImagesTar()} is missing (run: bash scripts/images.sh)`);
  }

  private async createContainer(id: string, spec: SandboxSpec, networkName: string): Promise<void> {
    await this.prepareHostDir(id);
    const hostname = hostnameFor(spec.lessonSlug);
    const mounts: Dockerode.MountSettings[] = [
      { Type: "bind", Source: this.apiDir(id), Target: IN_API_DIR },
      { Type: "bind", Source: this.sysfsAnchor(), Target: IN_SYSFS_ANCHOR },
    ];
    if (await exists(this.courseImagesTar()))
      mounts.push({ Type: "bind", Source: this.courseImagesTar(), Target: IN_COURSE_IMAGES, ReadOnly: true });
    let container: Dockerode.Container;
    try {
      container = await this.docker.createContainer({
        name: id,
        Hostname: hostname,
        Image: this.opts.image,
        Labels: {
          [LABEL.sandbox]: "1",
          [LABEL.learner]: spec.learnerId,
          [LABEL.lesson]: spec.lessonSlug,
          [LABEL.created]: new Date().toISOString(),
        },
        Volumes: { "/var/lib/docker": {} }, // anonymous: removed with the container (remove v: true)
        HostConfig: await this.hostConfig(networkName, mounts),
        NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: [hostname] } } },
      });
    } catch (err) {
      if (statusOf(err) === 404) throw new Error(`image ${this.opts.image} is missing (run: bash scripts/images.sh)`);
      throw err;
    }
    await container.start();
  }

  private async hostConfig(networkName: string, mounts: Dockerode.MountSettings[]): Promise<Dockerode.HostConfig> {
    const config: Dockerode.HostConfig & { CgroupnsMode: "private" } = {
      NetworkMode: networkName,
      Privileged: false,
      ...(this.opts.capabilities === "all-in-userns" ? { CapAdd: ["ALL"] } : { CapDrop: ["ALL"], CapAdd: CAPS }),
      SecurityOpt: [`seccomp=${await this.seccomp()}`],
      CgroupnsMode: "private",
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

  // cgroup v1 delegation: the inner dockerd (remapped root) must create child cgroups and move processes.
  // Only the directory and its membership files are handed over, never the limit files.
  private async delegateCgroups(id: string): Promise<void> {
    const info = await this.inspect(id);
    const pid = info?.State.Pid;
    if (!pid) throw new Error("the sandbox container is not running");
    const [uidMap, gidMap, cgroups, mounts] = await Promise.all([
      fs.readFile(`/proc/${pid}/uid_map`, "utf8"),
      fs.readFile(`/proc/${pid}/gid_map`, "utf8"),
      fs.readFile(`/proc/${pid}/cgroup`, "utf8"),
      fs.readFile("/proc/self/mounts", "utf8"),
    ]);
    const uid = remappedRoot(uidMap);
    const gid = remappedRoot(gidMap);
    if (uid === 0 || gid === 0) throw new Error("the engine is not userns-remapped; refusing to delegate cgroups to host root");
    const dirs = cgroupDirs(cgroups, mounts);
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

  private async isReady(id: string): Promise<boolean> {
    if (!(await exists(path.join(this.apiDir(id), "ready")))) return false;
    try {
      await this.innerDocker(id).ping();
      return true;
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

  private async diagnostics(id: string): Promise<string> {
    const parts: string[] = [];
    try {
      const logs = await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: 15 });
      const text = decodeLogs(logs).trim();
      if (text) parts.push(`sandbox output:\n${text}`);
      const inner = await this.exec(id, ["tail", "-n", "15", "/var/log/dockerd.log"], { timeoutMs: 3_000 });
      if (inner.output.trim()) parts.push(`inner dockerd log:\n${inner.output.trim()}`);
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

  private async removeNow(id: string): Promise<void> {
    await this.removeContainer(id);
    await this.removeNetwork(this.networkName(id));
    await fs.rm(this.sandboxDir(id), { recursive: true, force: true });
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
  private courseImagesTar(): string {
    return path.join(this.opts.stateDir, "images", "course-images.tar");
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

function toSandbox(id: string, info: Dockerode.ContainerInspectInfo): Sandbox {
  const labels = info.Config.Labels ?? {};
  return {
    id,
    learnerId: labels[LABEL.learner] ?? "",
    lessonSlug: labels[LABEL.lesson] ?? "",
    createdAt: new Date(labels[LABEL.created] ?? info.Created),
    running: info.State.Running,
  };
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

async function isMountPoint(dir: string): Promise<boolean> {
  try {
    const [self, parent] = await Promise.all([fs.stat(dir), fs.stat(path.dirname(dir))]);
    return self.dev !== parent.dev;
  } catch {
    return false;
  }
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
