import type Dockerode from "dockerode";
import { DriverError } from "../driver";
import type { DockerContext } from "./context";
import { statusOf } from "./engine";
import { restoreIdentity } from "./claim";
import { resetApiDir } from "./host";
import { clearSuspended, findLabs, markSuspended } from "./inventory";
import { LABEL, nodeContainer, ofLab } from "./naming";

// A suspended lab: every container of it stopped (its nodes, its registry) and kept, with its network; each
// node's disk unmounted and kept; a mark on the host says since when. Resuming starts the same containers again
// (boot.ts then hands each node its cgroups and waits for its engine, as at a first boot): the inner engine finds
// its images, containers and volumes on the node's disk, /root and /tmp are there as they were.

/** Seconds a node has to stop (its inner dockerd stops its containers) before it is killed. */
const STOP_SECONDS = 10;

export async function suspendLab(context: DockerContext, id: string, at = new Date()): Promise<void> {
  const lab = (await findLabs(context, id)).get(id);
  if (!lab) throw new DriverError("not_running", `sandbox ${id} is not there`);
  if (lab.suspendedAt) return;
  await stopLab(context, id);
  await markSuspended(context, id, at);
}

/** Stops every container of the lab (found by its label, and node1 by its name: a claimed pooled node has no such label) and unmounts its nodes' disks, keeping all of them. */
export async function stopLab({ docker, disks }: DockerContext, id: string): Promise<void> {
  const labelled = await docker.listContainers({ all: true, filters: { label: [`${LABEL.lab}=${id}`] } });
  await Promise.all([...new Set([id, ...labelled.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ""))])].map((container) => stopContainer(docker, container)));
  await Promise.all((await disks.list()).filter(ofLab(id)).map((container) => disks.unmount(container)));
}

/** Starts the suspended lab's containers again, each node with its disk mounted and an empty api dir; the lab is no longer suspended. */
export async function restartLab(context: DockerContext, id: string, nodes: string[], registry: string | undefined): Promise<void> {
  const { docker, disks } = context;
  await Promise.all(
    nodes.map(async (node) => {
      const container = nodeContainer(id, node);
      await disks.mount(container);
      await resetApiDir(context, container);
      await startContainer(docker, container);
      await restoreIdentity(context, container);
    }),
  );
  if (registry) await startContainer(docker, registry);
  await clearSuspended(context, id);
}

async function stopContainer(docker: Dockerode, name: string): Promise<void> {
  try {
    await docker.getContainer(name).stop({ t: STOP_SECONDS });
  } catch (err) {
    if (statusOf(err) !== 304 && statusOf(err) !== 404) throw err; // 304: stopped already
  }
}

async function startContainer(docker: Dockerode, name: string): Promise<void> {
  try {
    await docker.getContainer(name).start();
  } catch (err) {
    if (statusOf(err) !== 304) throw err; // 304: started already
  }
}
