import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { DriverError, type DiskUsage } from "../driver";

// Each node writes to a disk of its own, bounded: a sparse file formatted ext4 and loop-mounted on the host,
// which the node (entry.sh) uses for its Docker data (images, containers, volumes), /root and /tmp. The files
// live on Dockyard's own filesystem (scripts/engine.sh), which also holds the engine's data root, so whatever a
// sandbox writes elsewhere is bounded too, in all: no learner can fill the host's disk. (This kernel has no disk
// quotas, XFS's or ext4's, which would bound a directory instead.) A suspended node's disk is unmounted and its
// file kept; resuming mounts it again (as after a host reboot, which unmounts them all).

const run = promisify(execFile);

/** Full enough that writes fail or are about to: under 2% or 64 MiB left. */
export const isFull = ({ usedBytes, limitBytes }: DiskUsage) => limitBytes - usedBytes < Math.max(limitBytes * 0.02, 64 * 1024 ** 2);

export async function usageOf(dir: string): Promise<DiskUsage | undefined> {
  try {
    const s = await fs.statfs(dir);
    return { usedBytes: (s.blocks - s.bavail) * s.bsize, limitBytes: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}

/** Whether a file system is mounted at `dir` (it is on another device than its parent). */
export async function isMountPoint(dir: string): Promise<boolean> {
  try {
    const [self, parent] = await Promise.all([fs.stat(dir), fs.stat(path.dirname(dir))]);
    return self.dev !== parent.dev;
  } catch {
    return false;
  }
}

export class NodeDisks {
  /** `pool`: Dockyard's filesystem, where the disks' files are; `mounts`: where they are mounted on the host. */
  constructor(
    private readonly pool: string,
    private readonly mounts: string,
  ) {}

  /** Where the node's disk is mounted on the host. */
  mountPoint(container: string): string {
    return path.join(this.mounts, container);
  }

  private image(container: string): string {
    return path.join(this.pool, "nodes", `${container}.ext4`);
  }

  poolMounted(): Promise<boolean> {
    return isMountPoint(this.pool);
  }

  /** A fresh, empty disk of `bytes` for the node, mounted. */
  async prepare(container: string, bytes: number): Promise<void> {
    await this.remove(container);
    const image = this.image(container);
    const dir = this.mountPoint(container);
    await fs.mkdir(path.dirname(image), { recursive: true });
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(image, "");
    await fs.truncate(image, bytes); // sparse: it takes space as the node writes
    // No journal (scratch data, lost with the lab anyway), no blocks reserved for a root the node is not.
    await run("mkfs.ext4", ["-q", "-F", "-O", "^has_journal", "-m", "0", "-E", "lazy_itable_init=1", image]);
    await this.mount(container);
  }

  /** Mounts the node's existing disk unless it is mounted. */
  async mount(container: string): Promise<void> {
    const image = this.image(container);
    const dir = this.mountPoint(container);
    if (await isMountPoint(dir)) return;
    if (!(await fs.stat(image).catch(() => undefined))) throw new DriverError("boot_failed", `the disk of ${container} is gone (${image})`);
    await fs.mkdir(dir, { recursive: true });
    await run("mount", ["-o", "loop,noatime,nodev", image, dir]);
  }

  /** Unmounts the node's disk and keeps it (its node is stopped). */
  async unmount(container: string): Promise<void> {
    const dir = this.mountPoint(container);
    if (await isMountPoint(dir)) await run("umount", ["-l", dir]);
  }

  /** Hands the disk to the node's (remapped) root, known once its container runs. */
  chown(container: string, uid: number, gid: number): Promise<void> {
    return fs.chown(this.mountPoint(container), uid, gid);
  }

  /**
   * The disk of node `from` becomes node `to`'s while mounted and in use (a pooled node a lab claimed): its file is
   * renamed and its mount moved; `from`'s mount point stays as a link to `to`'s, since `from`'s container mounts it by that name.
   */
  async handOver(from: string, to: string): Promise<void> {
    await this.remove(to);
    await fs.rename(this.image(from), this.image(to)); // the loop device holds the file open: it follows
    const [source, target] = [this.mountPoint(from), this.mountPoint(to)];
    await fs.mkdir(target, { recursive: true });
    await run("mount", ["--bind", source, target]); // not --move, which a shared parent mount refuses
    await run("umount", ["-l", source]);
    await fs.rmdir(source);
    await fs.symlink(to, source);
  }

  async remove(container: string): Promise<void> {
    const dir = this.mountPoint(container);
    if (await isMountPoint(dir)) await run("umount", ["-l", dir]); // lazily: a dying container may still hold it
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(this.image(container), { force: true });
  }

  /** The containers that have a disk here, mounted or not (so a lab's are removed with it, even after a lab-runner restart). */
  async list(): Promise<string[]> {
    const [mounted, images] = await Promise.all([fs.readdir(this.mounts).catch(() => []), fs.readdir(path.join(this.pool, "nodes")).catch(() => [])]);
    return [...new Set([...mounted, ...images.filter((f) => f.endsWith(".ext4")).map((f) => f.slice(0, -".ext4".length))])];
  }
}
