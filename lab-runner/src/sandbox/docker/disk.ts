import { execFile } from "node:child_process";
import fsSync from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { DriverError, type DiskUsage } from "../driver";

// Each node writes to a disk of its own, bounded: a sparse file formatted ext4 and loop-mounted on the host,
// which the node (entry.sh) uses for its Docker data (images, containers, volumes), /root and /tmp. The files
// live on a filesystem of Dockyard's own for them (scripts/engine.sh: XFS, beside the one holding the engine's
// data root), so no learner can fill the host's disk. (This kernel has no disk quotas, XFS's or ext4's, which
// would bound a directory instead.) A new disk is a clone of its image set's template (templates.ts) where there
// is one, else made empty. A suspended node's disk is unmounted and its file kept; resuming mounts it again (as
// after a host reboot, which unmounts them all).

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
  /**
   * `pool`: the filesystem where the disks' files are; `mounts`: where they are mounted on the host; `legacyPool`:
   * where disks made before the pool existed are (still used, and removed, while their labs last).
   */
  constructor(
    private readonly pool: string,
    private readonly mounts: string,
    private readonly legacyPool: string,
  ) {}

  /** Where the node's disk is mounted on the host. */
  mountPoint(container: string): string {
    return path.join(this.mounts, container);
  }

  private image(container: string): string {
    const legacy = path.join(this.legacyPool, "nodes", `${container}.ext4`);
    return fsSync.existsSync(legacy) ? legacy : path.join(this.pool, "disks", `${container}.ext4`);
  }

  poolMounted(): Promise<boolean> {
    return isMountPoint(this.pool);
  }

  /** A fresh disk of `bytes` for the node, mounted: a clone of `template` (a disk of that size), else empty. */
  async prepare(container: string, bytes: number, template?: string): Promise<void> {
    await this.remove(container);
    const image = this.image(container);
    const dir = this.mountPoint(container);
    await fs.mkdir(path.dirname(image), { recursive: true });
    await fs.mkdir(dir, { recursive: true });
    if (template)
      await fs.copyFile(template, image, fsSync.constants.COPYFILE_FICLONE_FORCE); // a reflink: O(1), shares its blocks until written
    else await makeEmptyDisk(image, bytes);
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

  /** Unmounts the stopped node's disk for good (not lazily: its file must be whole) and moves the file to `file`, on the pool. */
  async detach(container: string, file: string): Promise<void> {
    const dir = this.mountPoint(container);
    if (await isMountPoint(dir)) await run("umount", [dir]);
    await fs.rename(this.image(container), file);
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
    // Emptied first: XFS frees the blocks of a removed file in the background, a truncated one's at once, so that
    // eviction, which looks at the pool's usage after each lab it removes, sees what that freed.
    await fs.truncate(this.image(container), 0).catch(() => undefined);
    await fs.rm(this.image(container), { force: true });
  }

  /** The containers that have a disk here, mounted or not (so a lab's are removed with it, even after a lab-runner restart). */
  async list(): Promise<string[]> {
    const read = (dir: string) => fs.readdir(dir).catch(() => [] as string[]);
    const [mounted, images, legacy] = await Promise.all([read(this.mounts), read(path.join(this.pool, "disks")), read(path.join(this.legacyPool, "nodes"))]);
    return [...new Set([...mounted, ...[...images, ...legacy].filter((f) => f.endsWith(".ext4")).map((f) => f.slice(0, -".ext4".length))])];
  }
}

/** A sparse file of `bytes` (it takes space as the node writes), formatted ext4. */
async function makeEmptyDisk(file: string, bytes: number): Promise<void> {
  await fs.writeFile(file, "");
  await fs.truncate(file, bytes);
  // No journal (scratch data, lost with the lab anyway), no blocks reserved for a root the node is not.
  await run("mkfs.ext4", ["-q", "-F", "-O", "^has_journal", "-m", "0", "-E", "lazy_itable_init=1", file]);
}
