import type { V1Node } from "@kubernetes/client-node";
import { DriverError } from "../driver";
import { apiMessage, apiStatus, type KubeClients } from "./client";
import { isReady } from "./objects";

// Whether the cluster isolates a lab's pods from their machine as Dockyard's security model needs: root in a
// sandbox must not be root on the host. A cluster offers it by an isolating RuntimeClass (Sysbox, Kata: the one
// DOCKYARD_KUBERNETES_RUNTIME_CLASS names must exist) or by user namespaces per pod (hostUsers: false), which every
// Ready node that may run labs must report through status.runtimeHandlers[].features.userNamespaces (Kubernetes
// 1.30+ with a runtime that supports them, e.g. containerd 2.0+ or CRI-O 1.25+ on Linux 6.3+). A cluster that offers
// neither is refused, unless the admin set DOCKYARD_KUBERNETES_INSECURE=1.

export type Isolation = "runtime-class" | "user-namespaces" | "insecure";

export interface IsolationSettings {
  runtimeClass?: string;
  insecure: boolean;
  nodeSelector: Record<string, string>;
}

const selected = (node: V1Node, selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => node.metadata?.labels?.[k] === v);
const userNamespaces = (node: V1Node) => node.status?.runtimeHandlers?.some((h) => h.features?.userNamespaces === true) ?? false;

/** The Ready nodes that may run labs and whose runtimes report no user namespace support (all of them if none may run labs). */
export function nodesLackingUserNamespaces(nodes: V1Node[], selector: Record<string, string>): { candidates: number; lacking: string[] } {
  const candidates = nodes.filter((n) => isReady(n) && selected(n, selector));
  return { candidates: candidates.length, lacking: candidates.filter((n) => !userNamespaces(n)).map((n) => n.metadata?.name ?? "?") };
}

const ALLOW = "set DOCKYARD_KUBERNETES_INSECURE=1 to run labs without it (root in a lab is then root on its machine: only for trusted learners)";

/** How the cluster isolates labs; throws host_not_prepared, saying what it lacks and which setting would allow running anyway. */
export async function checkIsolation(clients: KubeClients, settings: IsolationSettings): Promise<Isolation> {
  if (settings.insecure) return "insecure";
  if (settings.runtimeClass) {
    try {
      await clients.node.readRuntimeClass({ name: settings.runtimeClass });
      return "runtime-class";
    } catch (e) {
      if (apiStatus(e) !== 404)
        throw new DriverError("engine_failed", `the cluster did not say whether it has RuntimeClass ${settings.runtimeClass}: ${apiMessage(e)}`, { cause: e });
      throw new DriverError(
        "host_not_prepared",
        `The cluster has no RuntimeClass "${settings.runtimeClass}" (DOCKYARD_KUBERNETES_RUNTIME_CLASS): install it (Sysbox, Kata) or unset the setting to use user namespaces; or ${ALLOW}.`,
      );
    }
  }
  const { items } = await clients.core.listNode();
  const { candidates, lacking } = nodesLackingUserNamespaces(items, settings.nodeSelector);
  if (candidates > 0 && lacking.length === 0) return "user-namespaces";
  const where = Object.keys(settings.nodeSelector).length ? ` matching DOCKYARD_KUBERNETES_NODE_SELECTOR ${JSON.stringify(settings.nodeSelector)}` : "";
  const what =
    candidates === 0
      ? `it has no Ready node${where} to run labs`
      : `its nodes${where} ${shortList(lacking)} report no user namespace support for pods (status.runtimeHandlers[].features.userNamespaces; Kubernetes 1.30+ with containerd 2.0+ or CRI-O 1.25+, Linux 6.3+)`;
  throw new DriverError(
    "host_not_prepared",
    `This cluster cannot isolate labs from their machines: ${what}, and no RuntimeClass is set. Set DOCKYARD_KUBERNETES_RUNTIME_CLASS to an isolating RuntimeClass (Sysbox, Kata), or ${ALLOW}.`,
  );
}

const shortList = (names: string[]) => (names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", "));
