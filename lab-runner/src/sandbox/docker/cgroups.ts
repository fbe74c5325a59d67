import fs from "node:fs/promises";
import path from "node:path";
import { DriverError } from "../driver";
import type { NodeDisks } from "./disk";
import { oomKillsAt } from "./oom-log";

// A node's cgroups (v1) on the host: handed to the node's remapped root at boot, so that its inner dockerd can
// place inner containers in child cgroups within the node's limits; and read, where the node cannot write, to
// count what those limits stopped.

/**
 * The child of the node's memory cgroup its inner containers share (entry.sh makes it their cgroup parent).
 * Its limit, below the node's, is set here on the host: a memory bomb in a container is reclaimed and killed in
 * there, where little but the bomb lives, and the node's own engine and shells keep the reserve; at the node's
 * limit, reclaim would first evict their pages (their code, the loaded images' cache) while the bomb grows.
 */
export const CONTAINERS_CGROUP = "containers";

interface Hierarchy {
  controllers: string[];
  /** The node's cgroup in it ("/dockyard/<container id>"), and its directory on the host. */
  path: string;
  dir: string;
}

// What the sandbox's remapped root must own. Its own disk; and cgroup v1 delegation: the inner dockerd must
// create child cgroups and move processes, so the directories and their membership files (never the limit files).
export async function delegateToNode(pid: number, disks: NodeDisks, container: string, containersMemoryBytes: number): Promise<void> {
  const [uidMap, gidMap, hierarchies] = await Promise.all([
    fs.readFile(`/proc/${pid}/uid_map`, "utf8"),
    fs.readFile(`/proc/${pid}/gid_map`, "utf8"),
    cgroupsOf(pid),
  ]);
  const uid = remappedRoot(uidMap);
  const gid = remappedRoot(gidMap);
  if (uid === 0 || gid === 0) throw new DriverError("host_not_prepared", "the engine is not userns-remapped; refusing to delegate cgroups to host root");
  await disks.chown(container, uid, gid);
  if (hierarchies.length === 0) throw new DriverError("host_not_prepared", "no cgroup v1 hierarchies found for the sandbox");
  const memory = hierarchyOf(hierarchies, "memory");
  if (!memory) throw new DriverError("host_not_prepared", "no cgroup v1 memory hierarchy found for the sandbox");
  const dirs = [...hierarchies.map((h) => h.dir), await containersCgroup(memory.dir, containersMemoryBytes)];
  await Promise.all(dirs.flatMap((dir) => ["", "cgroup.procs", "tasks", "cgroup.clone_children"].map((file) => fs.chown(path.join(dir, file), uid, gid))));
}

/**
 * How many processes the OOM killer ended in the node (at its limit) and at its containers' limit, and how many
 * forks were refused so far; undefined once the node stopped.
 */
export async function limitCounters(pid: number): Promise<{ memory: number; containersMemory: number; processes: number } | undefined> {
  let hierarchies: Hierarchy[];
  try {
    hierarchies = await cgroupsOf(pid);
  } catch {
    return undefined;
  }
  const memory = hierarchyOf(hierarchies, "memory");
  const pids = hierarchyOf(hierarchies, "pids");
  return {
    memory: memory ? counter(await read(path.join(memory.dir, "memory.oom_control")), "oom_kill") : 0,
    containersMemory: memory ? oomKillsAt(path.posix.join(memory.path, CONTAINERS_CGROUP)) : 0,
    processes: pids ? counter(await read(path.join(pids.dir, "pids.events")), "max") : 0,
  };
}

/** Bytes the node's memory cgroup (its inner containers included) uses now; undefined once it stopped. */
export async function memoryUsage(pid: number): Promise<number | undefined> {
  const memory = hierarchyOf(await cgroupsOf(pid).catch(() => []), "memory");
  const used = memory && (await read(path.join(memory.dir, "memory.usage_in_bytes")));
  return used === undefined ? undefined : Number(used);
}

async function containersCgroup(memoryDir: string, bytes: number): Promise<string> {
  if (!(bytes > 0)) throw new DriverError("host_not_prepared", "DOCKYARD_NODE_MEMORY_RESERVE_MIB must be below DOCKYARD_NODE_MEMORY_MIB");
  const dir = path.join(memoryDir, CONTAINERS_CGROUP);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, "memory.limit_in_bytes"), String(bytes));
  const withSwap = path.join(dir, "memory.memsw.limit_in_bytes"); // there when the kernel accounts swap
  if (await fs.stat(withSwap).catch(() => undefined)) await fs.writeFile(withSwap, String(bytes));
  return dir;
}

const read = (file: string) => fs.readFile(file, "utf8").catch(() => undefined);
const counter = (text: string | undefined, key: string) => Number(text?.match(new RegExp(`^${key} (\\d+)$`, "m"))?.[1] ?? 0);
const hierarchyOf = (hierarchies: Hierarchy[], controller: string) => hierarchies.find((h) => h.controllers.includes(controller));

/** The host uid/gid that uid/gid 0 inside the container maps to ("0 100000 65536"). */
function remappedRoot(map: string): number {
  for (const line of map.trim().split("\n")) {
    const [inside, outside] = line.trim().split(/\s+/).map(Number);
    if (inside === 0 && outside !== undefined) return outside;
  }
  throw new DriverError("host_not_prepared", `no mapping for root in ${JSON.stringify(map)}`);
}

/** A process's cgroup v1 hierarchies and its directories in them on the host, from /proc/PID/cgroup and /proc/self/mounts. */
async function cgroupsOf(pid: number): Promise<Hierarchy[]> {
  const [cgroups, mounts] = await Promise.all([fs.readFile(`/proc/${pid}/cgroup`, "utf8"), fs.readFile("/proc/self/mounts", "utf8")]);
  const mountPoints = mounts
    .split("\n")
    .map((line) => line.split(" "))
    .filter((f) => f[2] === "cgroup")
    .map((f) => ({ dir: f[1] ?? "", options: new Set((f[3] ?? "").split(",")) }));
  const hierarchies: Hierarchy[] = [];
  for (const line of cgroups.trim().split("\n")) {
    const [, controllers = "", cgroupPath = ""] = line.split(":");
    if (!controllers) continue; // cgroup v2 line
    const wanted = controllers.split(",");
    const mount = mountPoints.find((m) => wanted.every((c) => m.options.has(c)));
    if (mount) hierarchies.push({ controllers: wanted, path: cgroupPath, dir: path.join(mount.dir, cgroupPath) });
  }
  return hierarchies;
}
