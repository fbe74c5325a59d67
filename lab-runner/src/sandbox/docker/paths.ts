import path from "node:path";
import { fileURLToPath } from "node:url";
import { DriverError } from "../driver";

// Where a lab's things are: on the host, under Dockyard's state directory (made by scripts/engine.sh, images.sh
// and packages.sh, and per node at boot), and inside a node, where they are mounted (see
// lab-runner/sandbox-image/entry.sh, which reads them).

/** Inside a node. */
export const INSIDE = {
  apiDir: "/run/dockyard-api",
  courseImages: "/opt/dockyard/course-images", // <name>.tar of each image the lesson lists
  packages: "/opt/dockyard/packages",
  kubernetesBinaries: "/opt/dockyard/kubernetes/bin", // a Kubernetes lab's binaries (scripts/kubernetes/build.sh)
  pauseImage: "/opt/dockyard/kubernetes/pause.tar", // its pods' sandbox image (scripts/images.sh)
  registryPassword: "/run/dockyard/registry-password",
  sysfsAnchor: "/run/sysfs-anchor",
  disk: "/var/lib/dockyard-disk", // the node's own disk: entry.sh puts its Docker data, /root and /tmp there
  hostSetupDone: "/run/.host-setup-done",
};

export const SECCOMP_PROFILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../sandbox-image/seccomp-dind.json");

/** On the host. */
export class HostPaths {
  constructor(readonly stateDir: string) {}

  /** Each node's own directory (named after its container), and what is left of removed ones. */
  get nodeDirs(): string {
    return path.join(this.stateDir, "sandboxes");
  }
  nodeDir(container: string): string {
    if (!/^[a-z0-9-]+$/.test(container)) throw new DriverError("invalid_name", `invalid sandbox id: ${container}`);
    return path.join(this.nodeDirs, container);
  }
  /** Where the node's entry script reports ("ready", "failed") and its inner dockerd's socket lives. */
  apiDir(container: string): string {
    return path.join(this.nodeDir(container), "api");
  }
  /** Where the lab-runner marks a lab suspended (node1's directory, named after the lab; the node cannot write it). */
  suspendMark(id: string): string {
    return path.join(this.nodeDir(id), "suspended");
  }
  /** Where the pool marks a node whose boot it finished, which a lab may claim (its own directory; the node cannot write it). */
  pooledMark(container: string): string {
    return path.join(this.nodeDir(container), "pooled");
  }
  /** Where a pooled node a lab claimed says whose it is. */
  claimRecord(container: string): string {
    return path.join(this.nodeDir(container), "claim.json");
  }
  innerSocket(container: string): string {
    return path.join(this.apiDir(container), "docker.sock");
  }
  courseImageTar(image: string): string {
    return path.join(this.stateDir, "images", "course", `${image}.tar`);
  }
  /** The pods' "pause" image of Kubernetes labs, `docker save`d by scripts/images.sh. */
  get pauseImageTar(): string {
    return path.join(this.stateDir, "images", "kubernetes", "pause.tar");
  }
  get packages(): string {
    return path.join(this.stateDir, "packages");
  }
  get sysfsAnchor(): string {
    return path.join(this.stateDir, "sysfs-anchor");
  }
  /** Dockyard's own filesystem, which holds the engine's data root (and the nodes' disks made before templates). */
  get diskPool(): string {
    return path.join(this.stateDir, "disk");
  }
  /** Dockyard's filesystem for the nodes' disks and their templates (XFS, which can clone a file in O(1)), and where those are mounted. */
  get nodePool(): string {
    return path.join(this.stateDir, "nodes");
  }
  get diskMounts(): string {
    return path.join(this.stateDir, "disks");
  }
}
