import fs from "node:fs/promises";
import type Dockerode from "dockerode";
import { DriverError } from "../driver";
import type { DockerContext } from "./context";
import { inspectContainer } from "./engine";
import { execIn } from "./exec";
import { LABEL } from "./naming";
import type { HostPaths } from "./paths";

// A pooled node claimed by a lab (pool.ts) becomes that lab's node1 wherever the rest of the driver looks: its
// container is renamed to the lab's id, its host directory and disk move to that name. What cannot change is made
// good here, in one place: Docker labels are fixed at create, so a claim record in the node's host directory (which
// the node cannot write) says whose it is, and inventory.ts reads it as its labels; the configured hostname is fixed
// too, so the lab's hostname is set inside the node at the claim and again at every start (a resume); its mounts
// name its old places, so those stay on the host as links to the new ones, and go with the lab.

export interface ClaimRecord {
  lab: string;
  learnerId: string;
  lessonSlug: string;
  /** When the lab was made (ISO), as LABEL.created says for a booted one. */
  createdAt: string;
  hostname: string;
  /** Its name in the pool. */
  pooledAs: string;
}

/** The claim record of the node, if a lab claimed it. */
export async function readClaim(paths: HostPaths, container: string): Promise<ClaimRecord | undefined> {
  const text = await fs.readFile(paths.claimRecord(container), "utf8").catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as ClaimRecord);
}

/** A node's labels as a lab's: its own, and for a pooled node its claim's owner; undefined for a pooled node nobody claimed. */
export async function labelsOf(paths: HostPaths, container: Dockerode.ContainerInfo): Promise<Record<string, string> | undefined> {
  if (!container.Labels[LABEL.pool]) return container.Labels;
  const claim = await readClaim(paths, (container.Names[0] ?? "").replace(/^\//, ""));
  if (!claim) return undefined;
  const owner = { [LABEL.lab]: claim.lab, [LABEL.learner]: claim.learnerId, [LABEL.lesson]: claim.lessonSlug, [LABEL.created]: claim.createdAt };
  return { ...container.Labels, ...owner };
}

/**
 * Makes the pooled node the claim's lab on the engine and the host: records the claim, renames the container, moves
 * its host directory and disk to the lab's name (its old names stay as links: its mounts name them).
 */
export async function takeOver({ docker, paths, disks }: DockerContext, claim: ClaimRecord): Promise<void> {
  const { pooledAs, lab } = claim;
  const record = paths.claimRecord(pooledAs);
  await fs.writeFile(`${record}.new`, JSON.stringify(claim));
  await fs.rename(`${record}.new`, record);
  await docker.getContainer(pooledAs).rename({ name: lab });
  await fs.rm(paths.nodeDir(lab), { recursive: true, force: true }); // what a removed lab of this id may have left
  await fs.rename(paths.nodeDir(pooledAs), paths.nodeDir(lab));
  await fs.symlink(lab, paths.nodeDir(pooledAs));
  await disks.handOver(pooledAs, lab);
}

/**
 * Makes the node look as a booted one of its lab does, wherever Docker set what it was created with: its hostname
 * (UTS name, /etc/hostname, its line in /etc/hosts with its address on the lab network), and its one network
 * interface named eth0 (a network joined later is eth1 until then).
 */
export async function applyIdentity(docker: Dockerode, container: string, hostname: string): Promise<void> {
  const info = await inspectContainer(docker, container);
  const address = Object.values(info?.NetworkSettings.Networks ?? {})[0]?.IPAddress ?? "";
  // /etc/hosts and /etc/hostname are files Docker bind-mounts: rewritten in place, never replaced
  const script = `set -e
hostname "$1"
printf '%s\\n' "$1" > /etc/hostname
hosts=$(awk -v old="$2" -v new="$1" '$2 != old && $2 != new' /etc/hosts)
printf '%s\\n' "$hosts" \${3:+"$3	$1"} > /etc/hosts
if [ ! -e /sys/class/net/eth0 ] && [ -e /sys/class/net/eth1 ]; then
  gateway=$(ip route show default | awk '{ print $3; exit }')
  ip link set eth1 down && ip link set eth1 name eth0 && ip link set eth0 up
  [ -z "$gateway" ] || ip route replace default via "$gateway" dev eth0
fi`;
  const set = await execIn(docker, container, ["sh", "-c", script, "identity", hostname, info?.Config.Hostname ?? "", address], { timeoutMs: 10_000 });
  if (set.exitCode !== 0) throw new DriverError("boot_failed", `could not give the node its lab's identity: ${set.output}`);
}

/** After a (re)start, a claimed node's hostname is the one Docker configured: set its lab's again. No-op for other nodes. */
export async function restoreIdentity({ docker, paths }: DockerContext, container: string): Promise<void> {
  const claim = await readClaim(paths, container);
  if (claim) await applyIdentity(docker, container, claim.hostname);
}

/** Removes the links a claimed node's old names left on the host (its lab is being removed). */
export async function removeClaimLinks({ paths, disks }: DockerContext, claim: ClaimRecord): Promise<void> {
  await Promise.all([fs.rm(paths.nodeDir(claim.pooledAs), { force: true }), fs.rm(disks.mountPoint(claim.pooledAs), { force: true })]);
}
