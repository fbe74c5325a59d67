import { percentile, report } from "../stats";
import type { Opening } from "./learner";
import type { LabMemory } from "./memory";
import type { Typing } from "./typing";

// What `npm run bench:class` prints: each phase's figures as it ends, then issue 14's targets beside what was measured.

export const readyTimes = (openings: Opening[]) => openings.flatMap((o) => (o.readyMs === undefined ? [] : [o.readyMs]));
export const echoTimes = (typings: Typing[]) => typings.flatMap((t) => t.echoes);

const duration = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const mib = (n: number) => `${n.toFixed(1)} MiB`;
const p50 = (samples: number[]) => (samples.length ? percentile(samples, 50) : NaN);

export function section(title: string): void {
  console.log(`\n${title}`);
}

/** Ready from the page request (p50/p95/max), and the p50 of its first parts. */
export function printOpenings(name: string, openings: Opening[]): void {
  const ready = openings.filter((o) => o.readyMs !== undefined);
  report(`${name} (open → ready)`, readyTimes(openings), [50, 95, 100]);
  if (!ready.length) return;
  const stages = [...new Set(ready.map((o) => o.stages.join(" ")))].map((s) => s || "none");
  console.log(
    `  p50 of: page ${duration(p50(ready.map((o) => o.pageMs)))}, POST /api/labs answered ${duration(p50(ready.map((o) => o.apiMs)))}; boot stages reported: ${stages.join(" | ")}`,
  );
}

export function printTyping(name: string, typings: Typing[]): void {
  report(name, echoTimes(typings));
  const sum = (f: (t: Typing) => number) => typings.reduce((n, t) => n + f(t), 0);
  console.log(
    `  ${sum((t) => t.echoes.length + t.lost)} keystrokes, ${sum((t) => t.lost)} echoes lost; the page's automatic checks after each Enter: ${sum((t) => t.checks)} (${sum((t) => t.failedChecks)} failed)`,
  );
}

/** The places in the boot queue learners were told ({type: "queued"}). */
export function printQueue(openings: Opening[]): void {
  const queued = openings.filter((o) => o.maxPosition > 0);
  const furthest = Math.max(0, ...queued.map((o) => o.maxPosition));
  console.log(`  boot queue: ${queued.length} of ${openings.length} waited in line; the furthest back was told place ${furthest}`);
}

/** The lab's whole idle cost: its nodes' working set, its shims, and its share of the terminals' clients. */
export const wholeLabMiB = (lab: LabMemory, clientsPerLabMiB: number) => lab.workingSetMiB + lab.shimsMiB + clientsPerLabMiB;

/** Memory per idle lab: `clients` is the PSS of the lab-runner's terminal clients; MemAvailable `before` the class opened and `after`, in MiB. */
/** `pooled`: the pool's idle nodes beside the labs then (booted again after the class claimed its nodes), each a lab to come. */
export function printMemory(labs: LabMemory[], clients: number, before: number, after: number, pooled = 0): void {
  const of = (f: (l: LabMemory) => number) => {
    const xs = labs.map(f);
    return `p50 ${mib(p50(xs))} (max ${mib(Math.max(...xs))})`;
  };
  console.log(`  node memory cgroups: usage ${of((l) => l.usageMiB)}`);
  console.log(`    working set (usage less inactive file cache) ${of((l) => l.workingSetMiB)}`);
  console.log(`  outside the nodes (PSS): containerd shims ${of((l) => l.shimsMiB)}; terminal clients in the lab-runner ${mib(clients / labs.length)} per lab`);
  console.log(`  the whole lab (working set + shims + terminal clients): ${of((l) => wholeLabMiB(l, clients / labs.length))}`);
  const drop = before - after;
  const perLab =
    drop > 0 ? `dropped ${mib(drop)}: ${mib(drop / (labs.length + pooled))} per lab` : "rose: the host's other processes freed more meanwhile, so no figure";
  const idle = pooled ? `${labs.length} labs and ${pooled} pooled nodes` : `${labs.length} labs`;
  console.log(`  host MemAvailable ${mib(before)} before the class opened, ${mib(after)} with ${idle} idle: ${perLab}`);
}

export interface Target {
  what: string;
  /** NaN when nothing was measured. */
  measured: number;
  bound: number;
  unit: "ms" | "MiB";
}

export function printTargets(targets: Target[]): void {
  const show = (t: Target, n: number) => (Number.isNaN(n) ? "not measured" : t.unit === "ms" ? duration(n) : mib(n));
  for (const t of targets) {
    const verdict = Number.isNaN(t.measured) ? "not measured" : t.measured < t.bound ? "met" : "MISSED";
    console.log(`  ${t.what.padEnd(58)} ${show(t, t.measured).padStart(12)}   target < ${show(t, t.bound).padEnd(9)} ${verdict}`);
  }
}

/** "×3.2" for how many times the class's figure is the single learner's. */
export const ratio = (group: number[], alone: number[], p: number) =>
  group.length && alone.length ? `×${(percentile(group, p) / percentile(alone, p)).toFixed(1)}` : "n/a";
