import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// Where the host's CPU went over a phase of `npm run bench:class`, read from /proc at its start and its end. The
// nodes (everything Dockyard's engine runs, inner engines and learners' shells included) are measured exactly by
// their cpuacct cgroup (the engine's cgroup-parent, scripts/engine.sh). Every other process is put in a group:
// a process alive at the end counts the CPU it used within the phase; one that ended counts, all of it, in its
// parent's group (the kernel adds a reaped child's time to its parent's cutime/cstime), so the short-lived runc
// of every `docker exec` counts with the containerd shim that ran it. What none of this covers (the kernel's own
// work, processes reaped by one outside the groups) is what the host's busy time in /proc/stat has over the sum.

const NODES_CGROUP = "dockyard";
const TICK_MS = 1000 / 100; // USER_HZ: clock ticks in /proc are 1/100 s on Linux

export type Group = "lab-runner" | "site" | "dockerd" | "containerd + shims + runc" | "docker exec clients" | "bench's learners" | "other";

/** The processes whose group is theirs by who started them (the stack's services each lead a process group). */
export interface Known {
  runnerPid: number;
  sitePid: number;
}

interface Proc {
  group: Group;
  /** Clock ticks since boot when it started: a pid reused within the phase is another process. */
  start: number;
  own: number;
  reaped: number;
}

interface Sample {
  at: number;
  procs: Map<number, Proc>;
  /** cpuacct.usage of the nodes, ns. */
  nodesNs: number;
  busy: number;
  total: number;
}

export interface CpuUse {
  seconds: number;
  /** Percent of one core, per group, and the nodes'. */
  percent: Map<Group | "nodes (their cgroups)", number>;
  /** Percent of one core the host was busy (all cores: 100 × cores at most), and what the groups leave of it. */
  hostBusy: number;
  unattributed: number;
  cores: number;
  /** 1, 5 and 15-minute load averages at the end. */
  load: number[];
}

function groupOf(pid: number, comm: string, pgid: number, known: Known): Group {
  if (comm === "docker") return "docker exec clients";
  if (pgid === known.runnerPid) return "lab-runner";
  if (pgid === known.sitePid) return "site";
  if (pid === process.pid) return "bench's learners";
  if (comm === "dockerd") return "dockerd";
  if (comm.startsWith("containerd") || comm.startsWith("runc")) return "containerd + shims + runc";
  return "other";
}

const cpuacctMount = () =>
  fs
    .readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .find((f) => f[2] === "cgroup" && (f[3] ?? "").split(",").includes("cpuacct"))?.[1];

const NODE_PROCESS = new RegExp(`^\\d+:[^:]*\\bcpuacct\\b[^:]*:/${NODES_CGROUP}(/|$)`, "m");
const inNodes = (pid: number) => NODE_PROCESS.test(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8"));

function sample(known: Known): Sample {
  const procs = new Map<number, Proc>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
      if (inNodes(pid)) continue;
      const [utime, stime, cutime, cstime] = [f[11], f[12], f[13], f[14]].map(Number) as [number, number, number, number];
      procs.set(pid, { group: groupOf(pid, comm, Number(f[2]), known), start: Number(f[19]), own: utime + stime, reaped: cutime + cstime });
    } catch {
      // it ended while being read
    }
  }
  const mount = cpuacctMount();
  const nodesNs = mount ? Number(fs.readFileSync(path.join(mount, NODES_CGROUP, "cpuacct.usage"), "utf8")) : NaN;
  const cpu = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.split(/\s+/).slice(1, 9).map(Number);
  const idle = cpu[3]! + cpu[4]!; // idle + iowait
  const total = cpu.reduce((a, b) => a + b, 0);
  return { at: performance.now(), procs, nodesNs, busy: total - idle, total };
}

/** Starts measuring now; `stop()` tells where the CPU went since. */
export function measureCpu(known: Known): { stop(): CpuUse } {
  const first = sample(known);
  return {
    stop() {
      const last = sample(known);
      const seconds = (last.at - first.at) / 1000;
      const pct = (ticks: number) => (ticks * TICK_MS) / 10 / seconds; // ticks → % of one core
      const percent = new Map<Group | "nodes (their cgroups)", number>();
      const add = (group: Group, ticks: number) => percent.set(group, (percent.get(group) ?? 0) + pct(ticks));
      for (const [pid, now] of last.procs) {
        const then = first.procs.get(pid);
        const same = then && then.start === now.start;
        add(now.group, now.own - (same ? then.own : 0));
        add(now.group, now.reaped - (same ? then.reaped : 0));
      }
      percent.set("nodes (their cgroups)", (last.nodesNs - first.nodesNs) / 1e7 / seconds);
      const cores = os.cpus().length;
      const hostBusy = (100 * cores * (last.busy - first.busy)) / (last.total - first.total);
      const attributed = [...percent.values()].reduce((a, b) => a + b, 0);
      const load = fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
      return { seconds, percent, hostBusy, unattributed: hostBusy - attributed, cores, load };
    },
  };
}

/** "CPU during typing: lab-runner 38%, site 12%, …" in percent of one core, biggest first. */
export function printCpu(name: string, use: CpuUse): void {
  const groups = [...use.percent].sort((a, b) => b[1] - a[1]).map(([group, p]) => `${group} ${p.toFixed(0)}%`);
  console.log(`  CPU ${name} (% of one core, over ${use.seconds.toFixed(0)} s): ${groups.join(", ")}`);
  console.log(
    `    host busy ${use.hostBusy.toFixed(0)}% of ${use.cores * 100}% (${use.cores} cores; idle ${(use.cores * 100 - use.hostBusy).toFixed(0)}%), ` +
      `of it in none of these ${use.unattributed.toFixed(0)}%; load average ${use.load.join(" ")} (1, 5, 15 min) at the end`,
  );
}
