import fs from "node:fs/promises";
import type Dockerode from "dockerode";
import { DriverError, type SandboxSpec } from "../driver";
import type { DockerContext, DockerSettings } from "./context";
import { statusOf } from "./engine";
import { imageSources, prepareNodeDir } from "./host";
import { hostnameFor, LABEL, nodeContainer } from "./naming";
import { INSIDE } from "./paths";

// One node's container: what it mounts, the limits it runs under, and its security settings (the README's
// security model explains each; lab-runner/sandbox-image/ holds the image and the seccomp profile).

// Docker's default capability set plus what an inner dockerd needs (SYS_ADMIN, NET_ADMIN: measured), plus SYS_PTRACE.
// prettier-ignore
export const CAPS = [
  "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
  "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE", "SYS_ADMIN", "NET_ADMIN",
  // docker exec into an inner container whose process is not root opens that process's namespaces: a ptrace check.
  "SYS_PTRACE",
];

const seccompProfiles = new Map<string, Promise<string>>();

/** A one-node lab's machine is named after the lesson (the prompt shows it); several nodes are node1…nodeN. */
export async function createNode(
  context: DockerContext,
  id: string,
  node: string,
  spec: SandboxSpec,
  networkName: string,
  labels: Record<string, string>,
): Promise<void> {
  const { docker, settings, paths, disks, templates } = context;
  const name = nodeContainer(id, node);
  await prepareNodeDir(context, name);
  const images = imageSources(paths, spec.images);
  await disks.prepare(name, settings.diskBytes, await templates.forImages(images.tars));
  const nodes = spec.nodes ?? 1;
  const hostname = nodes > 1 ? node : hostnameFor(spec.lessonSlug);
  const mounts: Dockerode.MountSettings[] = [
    { Type: "bind", Source: paths.apiDir(name), Target: INSIDE.apiDir },
    { Type: "bind", Source: paths.sysfsAnchor, Target: INSIDE.sysfsAnchor },
    { Type: "bind", Source: disks.mountPoint(name), Target: INSIDE.disk },
    // Sandboxes have no internet: inner containers install software from this tree, which the sandbox serves
    // read-only on its inner bridge (entry.sh). The lesson's images: entry.sh loads those its disk lacks (all of
    // them on a disk made empty, none on a template's clone, any the learner removed when the lab resumes), and pulls
    // those this host has no tar of through the registry mirror.
    { Type: "bind", Source: paths.packages, Target: INSIDE.packages, ReadOnly: true },
    ...images.tars.map((image): Dockerode.MountSettings => ({
      Type: "bind",
      Source: paths.courseImageTar(image),
      Target: `${INSIDE.courseImages}/${image}.tar`,
      ReadOnly: true,
    })),
    ...(spec.kubernetes
      ? ([
          { Type: "bind", Source: spec.kubernetes.binaries, Target: INSIDE.kubernetesBinaries, ReadOnly: true },
          { Type: "bind", Source: paths.pauseImageTar, Target: INSIDE.pauseImage, ReadOnly: true },
        ] satisfies Dockerode.MountSettings[])
      : []),
  ];
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer({
      name,
      Hostname: hostname,
      Image: settings.image,
      Env: [
        ...(settings.registryMirror ? [`DOCKYARD_REGISTRY_MIRROR=${settings.registryMirror}`] : []),
        ...(images.pulls.length ? [`DOCKYARD_PULL_IMAGES=${images.pulls.join(" ")}`] : []),
      ],
      Labels: { ...labels, [LABEL.sandbox]: "1", [LABEL.node]: node, [LABEL.nodes]: String(nodes) },
      HostConfig: await hostConfig(settings, networkName, mounts, spec.kubernetes ? settings.kubernetesPidsLimit : settings.pidsLimit),
      NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: [...new Set([hostname, node])] } } },
    });
  } catch (err) {
    if (statusOf(err) === 404) throw new DriverError("image_missing", `image ${settings.image} is missing (run: bash scripts/images.sh)`);
    throw err;
  }
  await container.start();
}

async function hostConfig(settings: DockerSettings, networkName: string, mounts: Dockerode.MountSettings[], pidsLimit: number): Promise<Dockerode.HostConfig> {
  const config: Dockerode.HostConfig & { CgroupnsMode: "private" } = {
    NetworkMode: networkName,
    Privileged: false,
    ...(settings.capabilities === "all-in-userns" ? { CapAdd: ["ALL"] } : { CapDrop: ["ALL"], CapAdd: CAPS }),
    SecurityOpt: [`seccomp=${await seccomp(settings.seccompProfilePath)}`],
    CgroupnsMode: "private",
    // Where no upstream DNS answers sandboxes (an offline host like ours), a lookup of an outside name hangs
    // 20 s (measured), e.g. the image digest every `docker service create` asks for; this fails it in 2 s.
    DnsOptions: ["timeout:1", "attempts:1"],
    Init: true, // docker-init reaps the orphans of learner shells and forwards SIGTERM to the entry
    Tmpfs: { "/run": "rw,nosuid,nodev,mode=755,size=65536k" },
    Mounts: mounts,
    Memory: settings.memoryBytes,
    MemorySwap: settings.memoryBytes, // no swap on top of the memory limit
    NanoCpus: Math.round(settings.cpus * 1e9),
    PidsLimit: pidsLimit,
    OomScoreAdj: 500, // under host memory pressure a sandbox goes before the platform
    RestartPolicy: { Name: "no" },
    LogConfig: { Type: "json-file", Config: { "max-size": "1m", "max-file": "1" } },
  };
  return config;
}

/** The profile as one line of JSON, read once per file. */
function seccomp(file: string): Promise<string> {
  let profile = seccompProfiles.get(file);
  if (!profile) {
    profile = fs.readFile(file, "utf8").then((text) => JSON.stringify(JSON.parse(text)));
    profile.catch(() => seccompProfiles.delete(file)); // the next boot reads it again
    seccompProfiles.set(file, profile);
  }
  return profile;
}
