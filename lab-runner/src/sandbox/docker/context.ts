import Dockerode from "dockerode";
import { engineSocket, nodeDiskBytes, nodeLimits, registryMirror, stateDir } from "@dockyard/contract/server";
import { HostPaths, SECCOMP_PROFILE } from "./paths";
import { NodeDisks } from "./disk";
import { LabNetworks } from "./network";

// What the Docker driver's parts share: its settings, the engine client and the host's places for labs.

export interface DockerSandboxOptions {
  socketPath?: string;
  stateDir?: string;
  image?: string;
  registryImage?: string;
  seccompProfilePath?: string;
  memoryBytes?: number;
  /** Of memoryBytes, what inner containers cannot take: the node's own engine and shells keep it. */
  memoryReserveBytes?: number;
  cpus?: number;
  pidsLimit?: number;
  /** The pids limit of a Kubernetes lab's nodes. */
  kubernetesPidsLimit?: number;
  /** Each node's own disk: its inner Docker data (images, containers, volumes), /root and /tmp. */
  diskBytes?: number;
  /** Lab networks are <labSubnetPrefix>.N.0/24, N = 0..255, with host bridges named dyl-N (firewalled by engine.sh). */
  labSubnetPrefix?: string;
  bootTimeoutMs?: number;
  /**
   * "recipe": Docker's default caps + SYS_ADMIN + NET_ADMIN (measured to isolate). "all-in-userns": every
   * capability, which exist only inside the sandbox's user namespace; needed for inner `docker run --privileged`.
   */
  capabilities?: "recipe" | "all-in-userns";
  /** Whether new nodes' disks are cloned from a template of their image set (templates.ts); false: made empty, the images loaded at boot. */
  templates?: boolean;
  /**
   * The registry mirror (scripts/mirror.sh) nodes' inner daemons pull through, as they reach it (http://10.213.0.1:5050),
   * or "" for none: then a lesson's images must all be on this host as tars (built, or loaded from a bundle).
   */
  registryMirror?: string;
}

export type DockerSettings = Required<DockerSandboxOptions>;

/** What a node's inner containers may use together (cgroups.ts gives them a cgroup of their own with this limit). */
export const containersMemoryBytes = (settings: DockerSettings) => settings.memoryBytes - settings.memoryReserveBytes;

/** The disk a new node of these course images starts from (templates.ts), or none: an empty one, which loads them at boot. */
export interface DiskTemplates {
  forImages(images: string[]): Promise<string | undefined>;
}

export const NO_TEMPLATES: DiskTemplates = { forImages: async () => undefined };

export interface DockerContext {
  docker: Dockerode;
  settings: DockerSettings;
  paths: HostPaths;
  disks: NodeDisks;
  networks: LabNetworks;
  templates: DiskTemplates;
}

export function dockerContext(options: DockerSandboxOptions): DockerContext {
  const settings: DockerSettings = {
    socketPath: engineSocket(),
    stateDir: stateDir(),
    image: "dockyard/sandbox:latest",
    registryImage: "dockyard/registry:latest",
    seccompProfilePath: SECCOMP_PROFILE,
    ...nodeLimits(),
    diskBytes: nodeDiskBytes(),
    labSubnetPrefix: "10.214",
    bootTimeoutMs: 90_000,
    capabilities: "recipe",
    templates: true,
    registryMirror: registryMirror()?.url ?? "",
    ...stripUndefined(options),
  };
  const docker = new Dockerode({ socketPath: settings.socketPath });
  const paths = new HostPaths(settings.stateDir);
  return {
    docker,
    settings,
    paths,
    disks: new NodeDisks(paths.nodePool, paths.diskMounts, paths.diskPool),
    networks: new LabNetworks(docker, settings.labSubnetPrefix),
    templates: NO_TEMPLATES, // the driver puts its templates here (docker.ts)
  };
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
