import fs from "node:fs/promises";
import os from "node:os";

// The host's memory and CPU as the kernel reports them (/proc), for the admin's host view. CPU busy time is
// measured between two readings: the share of all cores busy since the previous one (since boot at the first).

export interface HostLoad {
  memory: { totalBytes: number; availableBytes: number };
  cpu: { cores: number; load1: number; busyPercent: number };
}

/** Total and available memory from /proc/meminfo (kB lines). */
export function parseMeminfo(text: string): HostLoad["memory"] {
  const kB = (key: string) => Number(text.match(new RegExp(`^${key}:\\s+(\\d+) kB$`, "m"))?.[1] ?? 0) * 1024;
  return { totalBytes: kB("MemTotal"), availableBytes: kB("MemAvailable") };
}

/** The busy and total jiffies of all cores from /proc/stat's first line (idle and iowait are not busy). */
export function parseCpuTimes(text: string): { busy: number; total: number } {
  const fields = (text.match(/^cpu\s+(.*)$/m)?.[1] ?? "").trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

export class HostLoadMeter {
  private last = { busy: 0, total: 0 };

  async read(): Promise<HostLoad> {
    const [meminfo, stat, loadavg] = await Promise.all(["/proc/meminfo", "/proc/stat", "/proc/loadavg"].map((file) => fs.readFile(file, "utf8")));
    const times = parseCpuTimes(stat!);
    const total = times.total - this.last.total;
    const busyPercent = total > 0 ? Math.round(((times.busy - this.last.busy) / total) * 1000) / 10 : 0;
    this.last = times;
    return { memory: parseMeminfo(meminfo!), cpu: { cores: os.cpus().length, load1: Number(loadavg!.split(" ")[0]), busyPercent } };
  }
}
