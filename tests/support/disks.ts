import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { stateDir } from "@dockyard/contract/server";

// Each node's own disk (lab-runner/src/sandbox/docker/disk.ts), as tests find it and check it is gone.

/** The host side of the node disks among a container's mounts (the disk is at /var/lib/dockyard-disk inside). */
export const nodeDisksOf = (mounts: { Type?: string; Source?: string; Destination?: string }[]) =>
  mounts.filter((m) => m.Type === "bind" && m.Destination === "/var/lib/dockyard-disk").map((m) => m.Source!);

/** Where the node's disk file is (on the nodes' filesystem, scripts/engine.sh). */
export const nodeDiskFile = (container: string) => path.join(stateDir(), "nodes", "disks", `${container}.ext4`);

/** Mounted while the node lives; afterwards not mounted, its mount point and its file gone. */
export function assertDisksGone(disks: string[]): void {
  const mounted = fs.readFileSync("/proc/self/mounts", "utf8");
  for (const disk of disks) {
    assert.ok(!mounted.includes(` ${disk} `), `${disk} is still mounted`);
    assert.equal(fs.existsSync(disk), false, `${disk} is still there`);
    assert.equal(fs.existsSync(nodeDiskFile(path.basename(disk))), false, `the file of ${disk} is still there`);
  }
}
