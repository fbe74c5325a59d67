import fs from "node:fs";

// At which memory limit the OOM killer ended something, from the kernel's log (/dev/kmsg). cgroup v1 counts a
// kill only in the cgroup of the process killed (memory.oom_control's oom_kill, not its parents'), and an inner
// container's cgroup goes with the container (docker run --rm): its count is gone before the lab-runner looks.
// The kernel's "oom-kill:" line names the cgroup whose limit was hit (oom_memcg=), and outlives both.

/** Per memory cgroup (its path in the hierarchy, as in /proc/PID/cgroup): the kills at its limit read so far. */
const killsAt = new Map<string, number>();
/** The log, open without blocking; null where it cannot be read. */
let kmsg: number | null | undefined;

/** How many processes the OOM killer ended at the limit of this memory cgroup, as far as the kernel's log tells. */
export function oomKillsAt(cgroupPath: string): number {
  readNewRecords();
  return killsAt.get(cgroupPath) ?? 0;
}

function readNewRecords(): void {
  if (kmsg === undefined) {
    try {
      kmsg = fs.openSync("/dev/kmsg", fs.constants.O_RDONLY | fs.constants.O_NONBLOCK); // from the oldest record kept
    } catch {
      kmsg = null;
    }
  }
  if (kmsg === null) return;
  const record = Buffer.alloc(8192); // each read returns one record
  for (;;) {
    let length: number;
    try {
      length = fs.readSync(kmsg, record, 0, record.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EPIPE") continue; // records overwritten before they were read
      return; // EAGAIN: nothing new
    }
    const memcg = record.toString("utf8", 0, length).match(/;oom-kill:.*[,:]oom_memcg=([^,\n]+)/)?.[1];
    if (memcg) killsAt.set(memcg, (killsAt.get(memcg) ?? 0) + 1);
  }
}
