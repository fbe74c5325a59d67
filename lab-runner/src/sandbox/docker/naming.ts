import crypto from "node:crypto";
import { DEFAULT_NODE } from "@dockyard/contract/server";
import { DriverError } from "../driver";

// How a lab's containers and network are named and labelled on the engine. The labels are how the driver finds
// its labs again, after a lab-runner restart too.

// Every container of a lab carries `lab`; nodes also `sandbox`, `node` and `nodes` (how many the lab has), its
// registry `registry`. Containers from before multi-node labs have no `lab`: they are node1 of a lab named like them.
// A pooled node (pool.ts) carries `sandbox`, `node` and `nodes` but no owner: `pool` (its image set) and `pool-version`
// instead; once a lab claims it, its claim record (claim.ts) says what the labels cannot.
export const LABEL = {
  sandbox: "dockyard.sandbox",
  lab: "dockyard.lab",
  node: "dockyard.node",
  nodes: "dockyard.nodes",
  registry: "dockyard.registry",
  learner: "dockyard.learner",
  lesson: "dockyard.lesson",
  created: "dockyard.created",
  pool: "dockyard.pool",
  poolVersion: "dockyard.pool-version",
};
export const NETWORK_LABEL = "dockyard.sandbox-network";

/** node1's container is named after the lab (as a one-node sandbox always was); the others are <lab>-nodeN. */
export function nodeContainer(id: string, node: string = DEFAULT_NODE): string {
  if (!/^node[1-9]$/.test(node)) throw new DriverError("invalid_name", `invalid node name: ${node}`);
  return node === DEFAULT_NODE ? id : `${id}-${node}`;
}

/** A DNS-safe hostname from the lesson slug: the shell prompt shows it. */
export function hostnameFor(lessonSlug: string): string {
  const name = lessonSlug
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return name || "sandbox";
}

export const networkName = (id: string) => `${id}-net`;

/** Unclaimed pooled nodes are named dyp-<random>, never like a lab (dy-<hash>): a claim renames one to its lab's id. */
export const POOL_PREFIX = "dyp-";
export const poolNodeName = () => POOL_PREFIX + crypto.randomBytes(10).toString("hex");

/** Whether a container or host directory name is the lab's (its id, or its id and a suffix). */
export const ofLab = (id: string) => (name: string) => name === id || name.startsWith(`${id}-`);
