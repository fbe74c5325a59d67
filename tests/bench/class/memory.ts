import fs from "node:fs";
import path from "node:path";
import Dockerode from "dockerode";
import { engineSocket } from "@dockyard/contract/server";
import { nodeContainer } from "../../../lab-runner/src/sandbox/docker/naming";
import { parseMeminfo } from "../../../lab-runner/src/labs/host-load";

// What labs cost the host in memory, read three ways: each lab's node containers' memory cgroups (v1) on the host;
// what a lab costs outside its nodes, as the proportional set size (PSS: shared pages split among their users) of
// its nodes' containerd shims and of its terminals' `docker exec` clients under the lab-runner; and the host's
// MemAvailable, which counts everything but also moves with whatever else the host runs.

const MiB = 1024 ** 2;

export interface LabMemory {
  /** memory.usage_in_bytes of its nodes, page cache included. */
  usageMiB: number;
  /** Usage less the inactive file cache (what `docker stats` shows): what the kernel cannot simply drop. */
  workingSetMiB: number;
  /** PSS of its nodes' containerd shims. */
  shimsMiB: number;
}

const memAvailableNow = () => parseMeminfo(fs.readFileSync("/proc/meminfo", "utf8")).availableBytes / MiB;

/** The host's MemAvailable, the median of a few readings over a second (the host's other processes move it too). */
export async function memAvailableMiB(): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(memAvailableNow());
    await new Promise((r) => setTimeout(r, 250));
  }
  return readings.sort((a, b) => a - b)[2]!;
}

const memoryMount = () =>
  fs
    .readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .find((f) => f[2] === "cgroup" && (f[3] ?? "").split(",").includes("memory"))?.[1];

/** A process's memory cgroup directory on the host. */
function memoryCgroupOf(pid: number): string {
  const mount = memoryMount();
  const line = fs
    .readFileSync(`/proc/${pid}/cgroup`, "utf8")
    .split("\n")
    .find((l) => l.split(":")[1]?.split(",").includes("memory"));
  if (!mount || !line) throw new Error("no cgroup v1 memory hierarchy: lab memory cannot be read");
  return path.join(mount, line.split(":")[2]!);
}

/** A process's PSS; 0 once it is gone. */
function pssMiB(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB$/m)![1]) / 1024;
  } catch {
    return 0;
  }
}

/** A process's parent (the 4th field of /proc/PID/stat, after the command name in parentheses). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** The PSS of every process below `root` (the lab-runner's: its terminals' `docker exec` clients). */
export function descendantsMiB(root: number): number {
  const pids = fs
    .readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  const parents = new Map(pids.map((pid) => [pid, parentOf(pid) ?? -1]));
  const below = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const pid of pids)
      if (!below.has(pid) && below.has(parents.get(pid)!)) {
        below.add(pid);
        grew = true;
      }
  }
  below.delete(root);
  return [...below].reduce((sum, pid) => sum + pssMiB(pid), 0);
}

const engine = new Dockerode({ socketPath: engineSocket() });

/** The memory of the lab's running nodes (`nodes`: their names, as the driver finds them; a node claimed from the pool has no lab label). */
export async function labMemory(sandboxId: string, nodes: string[]): Promise<LabMemory> {
  if (!nodes.length) throw new Error(`lab ${sandboxId} has no running node`);
  let usage = 0;
  let inactiveFile = 0;
  let shims = 0;
  for (const node of nodes) {
    const pid = (await engine.getContainer(nodeContainer(sandboxId, node)).inspect()).State.Pid;
    const dir = memoryCgroupOf(pid);
    shims += pssMiB(parentOf(pid) ?? 0);
    usage += Number(fs.readFileSync(path.join(dir, "memory.usage_in_bytes"), "utf8"));
    inactiveFile += Number(fs.readFileSync(path.join(dir, "memory.stat"), "utf8").match(/^total_inactive_file (\d+)$/m)?.[1] ?? 0);
  }
  return { usageMiB: usage / MiB, workingSetMiB: (usage - inactiveFile) / MiB, shimsMiB: shims };
}
