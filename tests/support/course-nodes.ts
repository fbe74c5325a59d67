import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Node } from "@kubernetes/client-node";
import { isReady } from "../../lab-runner/src/sandbox/kubernetes/objects";

// The nodes of a simulated course (tests/support/course.ts, for tests/integration/kubernetes-scale.test.ts and the
// simulation part of `npm run bench:cluster`): kwok fake nodes, which kwok manages by their annotation as it does the
// cluster script's, sized to hold so many labs each and labelled so that only the course's labs go there; and nodes
// taken out as a dead machine would be. kwok fakes a pod's Ready after its own delays (1 s + up to 5 s jitter per
// stage, kwok-stages.yaml).

/** The label every node of the course carries: the driver's node selector (DOCKYARD_KUBERNETES_NODE_SELECTOR) names it. */
export const COURSE_POOL = { "dockyard.io/pool": "course-sim" };
/** The taint of kwok's fake nodes, which the driver's pods must tolerate (DOCKYARD_KUBERNETES_TOLERATIONS). */
export const FAKE_TAINT = { key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" };
const KWOK_ANNOTATION = "kwok.x-k8s.io/node";

/** What one lab's pods ask of a node, and how many labs a node holds. */
export interface NodeSize {
  labs: number;
  /** One lab's requests: CPU in millicores, memory in bytes. */
  lab: { cpuMillis: number; memoryBytes: number };
}

/** Whether a node's Ready condition is True. */

/** The course's fake nodes: made, taken out, removed. */
export class CourseNodes {
  private constructor(
    private readonly core: CoreV1Api,
    readonly names: string[],
  ) {}

  /**
   * Makes `count` kwok nodes (course-node-01…) each with room for `size.labs` labs and no more: allocatable CPU and
   * memory are that many labs' requests, pods that many (one pod per lab of one node), so the scheduler is the one
   * that keeps each node within its room. Resolves once all are Ready.
   */
  static async make(core: CoreV1Api, count: number, size: NodeSize, timeoutMs = 180_000): Promise<CourseNodes> {
    const names = Array.from({ length: count }, (_, i) => `course-node-${String(i + 1).padStart(2, "0")}`);
    const room = { cpu: `${size.labs * size.lab.cpuMillis}m`, memory: String(size.labs * size.lab.memoryBytes), pods: String(size.labs) };
    const nodes = new CourseNodes(core, names);
    await Promise.all(
      names.map((name) =>
        core.createNode({
          body: {
            metadata: {
              name,
              annotations: { [KWOK_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
              labels: { ...COURSE_POOL, type: "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" },
            },
            spec: { taints: [FAKE_TAINT] },
            status: { allocatable: room, capacity: room },
          },
        }),
      ),
    );
    await until(async () => (await nodes.list()).filter(isReady).length === count, `all ${count} course nodes Ready`, timeoutMs);
    return nodes;
  }

  /** The course's nodes as the API has them now. */
  async list(): Promise<V1Node[]> {
    return (await this.core.listNode({ labelSelector: labelSelector(COURSE_POOL) })).items;
  }

  /**
   * Takes nodes out as a machine that died would be: kwok stops managing them (their annotation removed, so it neither
   * renews their lease nor makes them Ready again), and their Ready condition turns Unknown through the status
   * subresource, as the node lifecycle controller sets it once a node's kubelet stopped posting its status (after
   * --node-monitor-grace-period, 50 s by default: the simulation skips that wait). The controller then taints them
   * unreachable, so nothing new is placed there.
   */
  async makeNotReady(names: string[]): Promise<void> {
    const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
    const now = new Date();
    for (const name of names) {
      await this.core.patchNode({ name, body: { metadata: { annotations: { [KWOK_ANNOTATION]: null } } } }, merge);
      await this.core.patchNodeStatus(
        {
          name,
          body: {
            status: {
              conditions: [
                {
                  type: "Ready",
                  status: "Unknown",
                  reason: "NodeStatusUnknown",
                  message: "Kubelet stopped posting node status.",
                  lastHeartbeatTime: now,
                  lastTransitionTime: now,
                },
              ],
            },
          },
        },
        strategic,
      );
    }
  }

  /** Deletes the course's nodes (pods left bound to them are the driver's to remove first). Idempotent. */
  async remove(): Promise<void> {
    await Promise.all(this.names.map((name) => this.core.deleteNode({ name, gracePeriodSeconds: 0 }).catch(() => {})));
  }
}

const labelSelector = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** Polls `done` every 500 ms until it holds; throws saying `what` after `timeoutMs`. */
export async function until(done: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
