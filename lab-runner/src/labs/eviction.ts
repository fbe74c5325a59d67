import type { SandboxDriver } from "../sandbox/driver";

// Eviction of suspended labs: what a suspended lab keeps (its nodes' disks) stays on Dockyard's disk until the
// learner comes back, but not for ever and not at others' expense. A lab suspended for longer than the policy
// keeps them is removed; and while the disk is fuller than its high-water mark, suspended labs are removed
// oldest first (by when they were suspended) until it is not.

export interface EvictionPolicy {
  keepSuspendedMs: number;
  /** Per cent of the labs' file system in use above which suspended labs make room. */
  diskHighWaterPercent: number;
}

export interface EvictableLabs extends Pick<SandboxDriver, "list" | "storageUsage"> {
  /** Whether the lab is in use now (being resumed): it is not evicted then. */
  inUse(id: string): boolean;
  remove(id: string): Promise<void>;
}

/** Removes the suspended labs the policy says must go, oldest first. Returns their ids. */
export async function evict(labs: EvictableLabs, policy: EvictionPolicy, now: number): Promise<string[]> {
  const suspended = (await labs.list())
    .filter((lab) => lab.suspendedAt && !labs.inUse(lab.id))
    .sort((a, b) => a.suspendedAt!.getTime() - b.suspendedAt!.getTime());
  const overHighWater = async () => {
    const usage = await labs.storageUsage();
    return usage !== undefined && usage.limitBytes > 0 && (usage.usedBytes / usage.limitBytes) * 100 > policy.diskHighWaterPercent;
  };
  const removed: string[] = [];
  for (const lab of suspended) {
    const expired = now - lab.suspendedAt!.getTime() >= policy.keepSuspendedMs;
    if (!expired && !(await overHighWater())) break; // the rest were suspended later still
    await labs.remove(lab.id);
    removed.push(lab.id);
  }
  return removed;
}
