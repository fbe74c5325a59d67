import { type LabClaims, nodeNames, type PublishedPort } from "@dockyard/contract/server";
import type { LabManager } from "../labs";

// GET /sandboxes/:id/ports: the TCP ports inner containers publish on each node (what the lesson page offers
// to open in the web preview), read from each node's inner Engine API.

const LOOPBACK = new Set(["127.0.0.1", "::1"]);

export async function publishedPorts(labs: LabManager, claims: LabClaims): Promise<{ ports: PublishedPort[] }> {
  const found = new Map<string, PublishedPort>();
  for (const name of nodeNames(labs.lesson(claims.lesson).nodes)) {
    const node = await labs.node(claims.sandbox, claims.lesson, name);
    for (const container of await node.innerDocker().listContainers()) {
      for (const { PublicPort, Type, IP } of container.Ports) {
        // a port bound to the node's loopback cannot be reached from outside it; IPv4 and IPv6 bindings repeat
        if (Type !== "tcp" || !PublicPort || LOOPBACK.has(IP ?? "")) continue;
        found.set(`${name}:${PublicPort}`, {
          node: name,
          port: PublicPort,
          container: (container.Names[0] ?? container.Id.slice(0, 12)).replace(/^\//, ""),
          image: container.Image,
        });
      }
    }
  }
  return { ports: [...found.values()].sort((a, b) => a.node.localeCompare(b.node) || a.port - b.port) };
}
