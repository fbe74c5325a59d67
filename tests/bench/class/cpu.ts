import fs from "node:fs";
import os from "node:os";
import { parseCpuTimes } from "../../../lab-runner/src/labs/host-load";

// Where the host's CPU went over a phase of `npm run bench:class`, read from /proc at its start and its end. Each
// process is put in a group: the nodes' (in the cpuacct cgroup under the engine's cgroup-parent, scripts/engine.sh:
// inner engines, learners' shells and containers), or by who started it or its name. A process alive at the end
// counts the CPU it used within the phase; one that ended counts in its parent's group (the kernel adds a reaped
// child's time to its parent's cutime/cstime), less what it had used before the phase. So the runc of every
// `docker exec`, and the command it ran in the node, count with the containerd shim that reaped them: the cost of
// an exec. Processes' times are exact; the host's busy time in /proc/stat is sampled at each clock tick, and misses
// short runs woken by timers between ticks, so it can read below the groups' sum.

const NODES_CGROUP = "dockyard";
const TICK_MS = 1000 / 100; // USER_HZ: clock ticks in /proc are 1/100 s on Linux

export type Group = "lab-runner" | "site" | "dockerd" | "containerd + shims + execs" | "docker exec clients" | "nodes" | "bench's learners" | "other";

/** The processes whose group is theirs by who started them (the stack's services each lead a process group). */
export interface Known {
  runnerPid: number;
  sitePid: number;
}

interface Proc {
  group: Group;
  /** Clock ticks since boot when it started: a pid reused within the phase is another process. */
  start: number;
  parent: number;
  own: number;
  reaped: number;
}

interface Sample {
  at: number;
  procs: Map<number, Proc>;
  busy: number;
  total: number;
}

export interface CpuUse {
  seconds: number;
  /** Percent of one core, per group. */
  percent: Map<Group, number>;
  /** Percent of one core the groups used together, and the host was busy by /proc/stat (100 × cores at most). */
  together: number;
  hostBusy: number;
  cores: number;
  /** 1, 5 and 15-minute load averages at the end. */
  load: number[];
}

function groupOf(pid: number, comm: string, pgid: number, known: Known): Group {
  if (inNodes(pid)) return "nodes";
  if (comm === "docker") return "docker exec clients";
  if (pgid === known.runnerPid) return "lab-runner";
  if (pgid === known.sitePid) return "site";
  if (pid === process.pid) return "bench's learners";
  if (comm === "dockerd") return "dockerd";
  if (comm.startsWith("containerd") || comm.startsWith("runc")) return "containerd + shims + execs";
  return "other";
}

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
      const [utime, stime, cutime, cstime] = [f[11], f[12], f[13], f[14]].map(Number) as [number, number, number, number];
      procs.set(pid, {
        group: groupOf(pid, comm, Number(f[2]), known),
        start: Number(f[19]),
        parent: Number(f[1]),
        own: utime + stime,
        reaped: cutime + cstime,
      });
    } catch {
      // it ended while being read
    }
  }
  const { busy, total } = parseCpuTimes(fs.readFileSync("/proc/stat", "utf8"));
  return { at: performance.now(), procs, busy, total };
}

/** Starts measuring now; `stop()` tells where the CPU went since. */
export function measureCpu(known: Known): { stop(): CpuUse } {
  const first = sample(known);
  return {
    stop() {
      const last = sample(known);
      const seconds = (last.at - first.at) / 1000;
      const pct = (ticks: number) => (ticks * TICK_MS) / 10 / seconds; // ticks → % of one core
      const percent = new Map<Group, number>();
      const add = (group: Group, ticks: number) => percent.set(group, (percent.get(group) ?? 0) + pct(ticks));
      const alive = (pid: number, p: Proc) => last.procs.get(pid)?.start === p.start;
      // An ended process's whole life is in its parent's cutime: what it used before the phase is taken off again
      // (never more than the parent reaped: a parent that lets the kernel reap its children gains nothing).
      const before = new Map<number, number>();
      for (const [pid, then] of first.procs) if (!alive(pid, then)) before.set(then.parent, (before.get(then.parent) ?? 0) + then.own + then.reaped);
      for (const [pid, now] of last.procs) {
        const then = first.procs.get(pid);
        const same = then?.start === now.start;
        add(now.group, now.own - (same ? then.own : 0));
        add(now.group, Math.max(0, now.reaped - (same ? then.reaped + (before.get(pid) ?? 0) : 0)));
      }
      const cores = os.cpus().length;
      const hostBusy = (100 * cores * (last.busy - first.busy)) / (last.total - first.total);
      const load = fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
      const together = [...percent.values()].reduce((a, b) => a + b, 0);
      return { seconds, percent, together, hostBusy, cores, load };
    },
  };
}

/** "CPU during typing: lab-runner 38%, site 12%, …" in percent of one core, biggest first. */
export function printCpu(name: string, use: CpuUse): void {
  const groups = [...use.percent].sort((a, b) => b[1] - a[1]).map(([group, p]) => `${group} ${p.toFixed(0)}%`);
  console.log(`  CPU ${name} (% of one core, over ${use.seconds.toFixed(0)} s): ${groups.join(", ")}; together ${use.together.toFixed(0)}%`);
  console.log(
    `    host busy ${use.hostBusy.toFixed(0)}% of ${use.cores * 100}% (${use.cores} cores) by /proc/stat, load average ${use.load.join(" ")} (1, 5, 15 min) at the end`,
  );
}
