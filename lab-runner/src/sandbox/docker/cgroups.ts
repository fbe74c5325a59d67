import fs from "node:fs/promises";
import path from "node:path";
import { DriverError } from "../driver";
import type { NodeDisks } from "./disk";

// A node's cgroups (v1) on the host: handed to the node's remapped root at boot, so that its inner dockerd can
// place inner containers in child cgroups within the node's limits; and read, where the node cannot write, to
// count what those limits stopped.

// What the sandbox's remapped root must own. Its own disk; and cgroup v1 delegation: the inner dockerd must
// create child cgroups and move processes, so the directory and its membership files (never the limit files).
export async function delegateToNode(pid: number, disks: NodeDisks, container: string): Promise<void> {
  const [uidMap, gidMap, dirs] = await Promise.all([
    fs.readFile(`/proc/${pid}/uid_map`, "utf8"),
    fs.readFile(`/proc/${pid}/gid_map`, "utf8"),
    cgroupDirsOf(pid),
  ]);
  const uid = remappedRoot(uidMap);
  const gid = remappedRoot(gidMap);
  if (uid === 0 || gid === 0) throw new DriverError("host_not_prepared", "the engine is not userns-remapped; refusing to delegate cgroups to host root");
  await disks.chown(container, uid, gid);
  if (dirs.length === 0) throw new DriverError("host_not_prepared", "no cgroup v1 hierarchies found for the sandbox");
  await Promise.all(dirs.flatMap((dir) => ["", "cgroup.procs", "tasks", "cgroup.clone_children"].map((file) => fs.chown(path.join(dir, file), uid, gid))));
}

/** How many processes the OOM killer ended and how many forks were refused so far; undefined once the node stopped. */
export async function limitCounters(pid: number): Promise<{ memory: number; processes: number } | undefined> {
  let dirs: string[];
  try {
    dirs = await cgroupDirsOf(pid);
  } catch {
    return undefined;
  }
  const counter = async (file: string, key: string) => {
    for (const dir of dirs) {
      const text = await fs.readFile(path.join(dir, file), "utf8").catch(() => undefined);
      if (text !== undefined) return Number(text.match(new RegExp(`^${key} (\\d+)$`, "m"))?.[1] ?? 0);
    }
    return 0;
  };
  return { memory: await counter("memory.oom_control", "oom_kill"), processes: await counter("pids.events", "max") };
}

/** The host uid/gid that uid/gid 0 inside the container maps to ("0 100000 65536"). */
function remappedRoot(map: string): number {
  for (const line of map.trim().split("\n")) {
    const [inside, outside] = line.trim().split(/\s+/).map(Number);
    if (inside === 0 && outside !== undefined) return outside;
  }
  throw new DriverError("host_not_prepared", `no mapping for root in ${JSON.stringify(map)}`);
}

/** The host directories of a process's cgroup v1 hierarchies, from /proc/PID/cgroup and /proc/self/mounts. */
async function cgroupDirsOf(pid: number): Promise<string[]> {
  const [cgroups, mounts] = await Promise.all([fs.readFile(`/proc/${pid}/cgroup`, "utf8"), fs.readFile("/proc/self/mounts", "utf8")]);
  const mountPoints = mounts
    .split("\n")
    .map((line) => line.split(" "))
    .filter((f) => f[2] === "cgroup")
    .map((f) => ({ dir: f[1] ?? "", options: new Set((f[3] ?? "").split(",")) }));
  const dirs: string[] = [];
  for (const line of cgroups.trim().split("\n")) {
    const [, controllers = "", cgroupPath = ""] = line.split(":");
    if (!controllers) continue; // cgroup v2 line
    const wanted = controllers.split(",");
    const mount = mountPoints.find((m) => wanted.every((c) => m.options.has(c)));
    if (mount) dirs.push(path.join(mount.dir, cgroupPath));
  }
  return dirs;
}
