import fs from "node:fs/promises";
import { DEFAULT_NODE } from "@dockyard/contract/server";
import type { Sandbox } from "../driver";
import { labelsOf, readClaim, removeClaimLinks } from "./claim";
import type { DockerContext } from "./context";
import { removeContainer } from "./engine";
import { LABEL, ofLab } from "./naming";
import type { HostPaths } from "./paths";

// What the engine and the host hold of each lab: found by the labels its containers carry (and, for a suspended
// lab, the mark on the host that says since when: labels cannot change once a container exists; for a node claimed
// from the pool, its claim record: claim.ts), removed whole.

type Where = Pick<DockerContext, "docker" | "paths">;

/**
 * Node containers by lab: every lab's, or only those of one lab (whose containers all contain its id in their name).
 * A pooled node nobody claimed is no lab: it is found only when asked for by its own name (its boot asks).
 */
export async function findLabs({ docker, paths }: Where, id?: string): Promise<Map<string, Sandbox>> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.sandbox}=1`], ...(id ? { name: [id] } : {}) },
  });
  const labs = new Map<string, NodeInfo[]>();
  const labelled = await Promise.all(containers.map(async (c) => [c, (await labelsOf(paths, c)) ?? (id ? c.Labels : undefined)] as const));
  for (const [c, labels] of labelled) {
    if (!labels) continue;
    const lab = labels[LABEL.lab] ?? (c.Names[0] ?? c.Id).replace(/^\//, "");
    if (id && lab !== id) continue;
    labs.set(lab, [...(labs.get(lab) ?? []), { labels, state: c.State, created: c.Created }]);
  }
  return new Map(await Promise.all([...labs].map(async ([lab, nodes]) => [lab, toSandbox(lab, nodes, await suspendedSince(paths, lab))] as const)));
}

/** A node container as a lab's: its labels (with its claim's owner), its state, when Docker made it. */
interface NodeInfo {
  labels: Record<string, string>;
  state: string;
  created: number;
}

function toSandbox(id: string, containers: NodeInfo[], suspendedAt: Date | undefined): Sandbox {
  const labels = containers[0]!.labels;
  const nodes = containers.map((c) => c.labels[LABEL.node] ?? DEFAULT_NODE).sort();
  const wanted = Number(labels[LABEL.nodes] ?? 1);
  const running = nodes.length === wanted && containers.every((c) => c.state === "running");
  return {
    id,
    learnerId: labels[LABEL.learner] ?? "",
    lessonSlug: labels[LABEL.lesson] ?? "",
    createdAt: new Date(labels[LABEL.created] ?? containers[0]!.created * 1000),
    running,
    nodes,
    ...(suspendedAt && !running && { suspendedAt }),
  };
}

/** Since when the lab is suspended, if its mark says so. */
async function suspendedSince(paths: HostPaths, id: string): Promise<Date | undefined> {
  const text = await fs.readFile(paths.suspendMark(id), "utf8").catch(() => undefined);
  const at = text === undefined ? undefined : new Date(text.trim());
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

export async function markSuspended({ paths }: Pick<DockerContext, "paths">, id: string, at: Date): Promise<void> {
  const mark = paths.suspendMark(id);
  await fs.writeFile(`${mark}.new`, at.toISOString());
  await fs.rename(`${mark}.new`, mark);
}

export async function clearSuspended({ paths }: Pick<DockerContext, "paths">, id: string): Promise<void> {
  await fs.rm(paths.suspendMark(id), { force: true });
}

/** Every container of the lab (found by its label, and node1 by its name), then its network and host directories. */
export async function removeLab(context: DockerContext, id: string): Promise<void> {
  const { docker, paths, disks, networks } = context;
  const claim = await readClaim(paths, id).catch(() => undefined); // read before its directory goes
  const labelled = await docker.listContainers({ all: true, filters: { label: [`${LABEL.lab}=${id}`] } });
  const names = new Set([id, ...labelled.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ""))]);
  await Promise.all([...names].map((name) => removeContainer(docker, name)));
  await networks.remove(id);
  const dirs = await fs.readdir(paths.nodeDirs).catch(() => [] as string[]);
  await Promise.all([
    ...dirs.filter(ofLab(id)).map((dir) => fs.rm(paths.nodeDir(dir), { recursive: true, force: true })),
    ...(await disks.list()).filter(ofLab(id)).map((dir) => disks.remove(dir)),
  ]);
  if (claim) await removeClaimLinks(context, claim);
}
