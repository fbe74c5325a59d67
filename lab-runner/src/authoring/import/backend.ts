import type { Notes } from "./notes";

// Killercoda's backends are VMs: ubuntu (Docker installed), and kubeadm clusters of one or two nodes
// (controlplane, node01). Dockyard's nodes are sandboxes with their own Docker engine; `kubernetes: true` with
// `nodes: 2` is the nearest to a kubeadm cluster. What is not the same goes to the report.

export interface Lab {
  nodes?: number;
  kubernetes?: boolean;
}

const KUBEADM = /^kubernetes-kubeadm-(\d)nodes?(-\d+GB)?$/;

export function labFor(imageid: string | undefined, notes: Notes): Lab {
  const where = "index.json backend.imageid";
  const id = imageid ?? "ubuntu";
  const kubeadm = KUBEADM.exec(id);
  if (kubeadm) {
    const nodes = Number(kubeadm[1]);
    notes.add("mapped", where, `${id} → a Dockyard Kubernetes lab (kubernetes: true${nodes > 1 ? `, nodes: ${nodes}` : ""})`);
    notes.add(
      "differs",
      where,
      'the nodes are node1 (control plane) and node2…, not controlplane and node01; there is no ssh between them: each node has its own terminal tab, and a step runs on another node with <Step node="node2">',
    );
    notes.add(
      "differs",
      where,
      "Kubernetes v1.34.4 on containerd, without internet: pods use the lesson's course images (`images:`, with a tag other than latest), or images from a registry mirror when the installation has one; no LoadBalancer Services, no metrics-server",
    );
    return nodes > 1 ? { nodes, kubernetes: true } : { kubernetes: true };
  }
  if (/^ubuntu(-\d+GB)?$/.test(id)) {
    notes.add(
      "differs",
      where,
      `${id} → a Dockyard node: Debian with its own Docker engine, no internet (apt and pip from the offline package source, images from the course set or a mirror)`,
    );
    return {};
  }
  notes.add("todo", where, `backend “${id}” has no Dockyard counterpart: the lesson gets a plain Docker node`);
  return {};
}

export function layoutNote(layout: string | undefined, notes: Notes): void {
  if (!layout || /^terminal$/i.test(layout)) return;
  if (/ide|editor/i.test(layout))
    notes.add("differs", "index.json interface.layout", `“${layout}” (the Theia editor): Dockyard's Editor tab beside the terminal is offered instead`);
  else notes.add("todo", "index.json interface.layout", `layout “${layout}” is not mapped: Dockyard shows the lesson beside the terminal`);
}

/** Names of Killercoda's hosts in a page or script, which a Dockyard lab calls otherwise. */
export function hostNames(text: string, where: string, notes: Notes): void {
  const names = [...new Set(text.match(/\b(controlplane|node0\d|host0\d)\b/g) ?? [])];
  if (names.length) notes.add("todo", where, `names Killercoda's host(s) ${names.join(", ")}: in Dockyard they are node1, node2, …`);
  if (/\/etc\/killercoda\//.test(text)) notes.add("todo", where, "reads /etc/killercoda/, which Dockyard's nodes do not have");
}
