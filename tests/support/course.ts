import { CoreV1Api, NetworkingV1Api, type V1Pod } from "@kubernetes/client-node";
import { parseLesson, type BootStage, type ServerMessage } from "@dockyard/contract/server";
import { LabManager } from "../../lab-runner/src/labs";
import { startRounds } from "../../lab-runner/src/labs/rounds";
import { KubernetesSandboxDriver } from "../../lab-runner/src/sandbox/kubernetes";
import { kubeClients, loadKubeConfig } from "../../lab-runner/src/sandbox/kubernetes/client";
import type { Disconnect, TerminalWatcher } from "../../lab-runner/src/terminal/session";
import type { TestCluster } from "./test-cluster";
import { isReady } from "../../lab-runner/src/sandbox/kubernetes/objects";
import { COURSE_POOL, CourseNodes, FAKE_TAINT, until } from "./course-nodes";

// A course on the test cluster's API server: its labs started in waves through LabManager and the Kubernetes driver,
// as learners opening a lesson at the same minute would, onto the course's kwok nodes (course-nodes.ts); then some
// nodes taken out, every lab's live view open to hear what its learner is told, and the lost labs opened again.
// tests/integration/kubernetes-scale.test.ts judges it, tests/bench/cluster-sim.ts times it.

const NAMESPACE = "dockyard-course";
const LESSON = "course-sim";
const lesson = parseLesson(
  `---\ntitle: Course simulation\nsummary: One lab per learner\norder: 1\nminutes: 5\nimages: []\nnodes: 1\n---\n\n<Step id="one" title="One">\n\nA lab.\n\n</Step>\n`,
  "lesson.mdx",
  LESSON,
);

export interface CourseShape {
  /** Fake nodes, and how many labs each has room for. */
  nodes: number;
  labsPerNode: number;
  labs: number;
  waves: number;
}

/**
 * One lab's start as LabManager told it, in ms after it was asked for: when the driver asked the cluster for its pod
 * (stage "container"), saw it placed on a node (stage "delegate", through its watch) and the lab was ready.
 */
export interface LabStart {
  id: string;
  podAsked?: number;
  placed?: number;
  ready: number;
}

/** One wave: its labs' starts, and the API requests the driver made meanwhile. */
export interface Wave {
  ids: string[];
  starts: LabStart[];
  apiCalls: number;
}

/** A node of the course and what the labs on it ask of it, against its room. */
export interface NodeLoad {
  node: string;
  ready: boolean;
  pods: number;
  cpuMillis: number;
  memoryBytes: number;
  room: { pods: number; cpuMillis: number; memoryBytes: number };
}

/** What a live view of a lab heard: notices, and why it was disconnected. */
interface View {
  told: ServerMessage[];
  disconnected: Disconnect[];
}

const learnerOf = (i: number) => `learner-${String(i).padStart(3, "0")}`;
const cpuMillis = (q: string | undefined) => (q === undefined ? 0 : q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000);

export class Course {
  /** Per lab, its learner. */
  readonly learners = new Map<string, string>();
  private readonly views = new Map<string, View>();

  private constructor(
    private readonly core: CoreV1Api,
    private readonly networking: NetworkingV1Api,
    readonly driver: KubernetesSandboxDriver,
    readonly labs: LabManager,
    readonly nodes: CourseNodes,
  ) {}

  /** The course's namespace and nodes on the cluster, a driver that places labs on those nodes only, and a LabManager over it. */
  static async open(cluster: TestCluster, shape: CourseShape): Promise<Course> {
    const kc = loadKubeConfig(cluster.kubeconfigPath);
    const clients = kubeClients(kc);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    await until(
      () => core.readNamespacedServiceAccount({ name: "default", namespace: NAMESPACE }).then(Boolean, () => false),
      "the namespace's service account",
      30_000,
    );
    // insecure: kwok's nodes report no runtime with user namespaces, and nothing runs in their pods anyway
    const driver = new KubernetesSandboxDriver({
      clients,
      settings: { namespace: NAMESPACE, nodeSelector: COURSE_POOL, tolerations: [{ ...FAKE_TAINT, operator: "Equal" }], insecure: true },
    });
    const { memoryBytes, cpus } = driver.limits;
    const nodes = await CourseNodes.make(core, shape.nodes, { labs: shape.labsPerNode, lab: { cpuMillis: cpus * 1000, memoryBytes } });
    const labs = new LabManager(driver, {
      idleTimeoutMs: 24 * 3_600_000,
      findLesson: (slug) => (slug === LESSON ? lesson : undefined),
      spawnPty: () => {
        throw new Error("fake nodes run no shells: the course watches its labs through live views");
      },
    });
    return new Course(core, kc.makeApiClient(NetworkingV1Api), driver, labs, nodes);
  }

  /** Starts labs `from`…`to - 1` (one learner each) all at once, as a class opening the lesson, and waits until all are ready. */
  async wave(from: number, to: number): Promise<Wave> {
    const calls = this.driver.clients.calls;
    const starts = await Promise.all(Array.from({ length: to - from }, (_, i) => this.open(learnerOf(from + i))));
    return { ids: starts.map((s) => s.id), starts, apiCalls: this.driver.clients.calls - calls };
  }

  /** Opens the learner's lab (as the lesson page does) and follows its boot until ready. */
  private async open(learner: string): Promise<LabStart> {
    const t = performance.now();
    const id = await this.labs.ensure(learner, LESSON);
    this.learners.set(id, learner);
    const at: Partial<Record<BootStage, number>> = {};
    await this.labs.watch(id, (m) => {
      if (m.type === "stage") at[m.stage] ??= performance.now() - t;
    });
    return { id, podAsked: at.container, placed: at.delegate, ready: performance.now() - t };
  }

  /** Which node each lab's pod is on now (pods being deleted left out). */
  async placement(): Promise<Map<string, string>> {
    const pods = await this.pods();
    return new Map(pods.map((p) => [p.metadata!.labels!["dockyard.io/lab"]!, p.spec?.nodeName ?? ""]));
  }

  /** Every course node with the requests of the pods on it and its room. */
  async loads(): Promise<NodeLoad[]> {
    const [nodes, pods] = await Promise.all([this.nodes.list(), this.pods()]);
    return nodes.map((node) => {
      const on = pods.filter((p) => p.spec?.nodeName === node.metadata?.name);
      const requests = on.flatMap((p) => p.spec?.containers.map((c) => c.resources?.requests ?? {}) ?? []);
      const room = node.status?.allocatable ?? {};
      return {
        node: node.metadata!.name!,
        ready: isReady(node),
        pods: on.length,
        cpuMillis: requests.reduce((sum, r) => sum + cpuMillis(r.cpu), 0),
        memoryBytes: requests.reduce((sum, r) => sum + Number(r.memory ?? 0), 0),
        room: { pods: Number(room.pods ?? 0), cpuMillis: cpuMillis(room.cpu), memoryBytes: Number(room.memory ?? 0) },
      };
    });
  }

  /** Opens a live view of every running lab, as a learner (or their grader) watching it. */
  async watchAll(): Promise<void> {
    for (const [id] of this.learners) {
      if (this.views.has(id)) continue;
      const view: View = { told: [], disconnected: [] };
      const watcher: TerminalWatcher = { output() {}, control: (m) => view.told.push(m), disconnect: (reason) => view.disconnected.push(reason) };
      (await this.labs.liveSession(id, LESSON, "node1")).watch(watcher);
      this.views.set(id, view);
    }
  }

  /** The labs whose live view was told they were lost (a lab_lost notice, then disconnected as lab_lost). */
  toldLost(): string[] {
    return [...this.views]
      .filter(([, v]) => v.told.some((m) => m.type === "notice" && m.code === "lab_lost") && v.disconnected.includes("lab_lost"))
      .map(([id]) => id);
  }

  /**
   * Takes `names` out (course-nodes.ts) with the lab-runner's rounds running, and waits until the driver reports every
   * lab on them lost and each one's live view was told. Resolves when each happened, in ms after the nodes went.
   */
  async loseNodes(names: string[], expected: string[], timeoutMs = 60_000): Promise<{ reportedMs: number; toldMs: number }> {
    await this.watchAll();
    const stopRounds = startRounds(this.labs, 24 * 3_600_000);
    try {
      const t = performance.now();
      await this.nodes.makeNotReady(names);
      await until(
        async () => {
          const lost = new Set((await this.driver.list()).filter((s) => s.lost).map((s) => s.id));
          return expected.every((id) => lost.has(id));
        },
        "the driver reporting every lab on the lost nodes lost",
        timeoutMs,
      );
      const reportedMs = performance.now() - t;
      await until(
        async () => {
          const told = new Set(this.toldLost());
          return expected.every((id) => told.has(id));
        },
        "every lost lab's live view told",
        timeoutMs,
      );
      return { reportedMs, toldMs: performance.now() - t };
    } finally {
      stopRounds();
    }
  }

  /** Opens the labs again, as their learners reloading the page. */
  async reopen(ids: string[]): Promise<LabStart[]> {
    return Promise.all(ids.map((id) => this.open(this.learners.get(id)!)));
  }

  /** Removes every lab through LabManager, `concurrency` at a time. */
  async removeLabs(concurrency = 20): Promise<void> {
    const ids = [...new Set([...this.learners.keys(), ...(await this.driver.list()).map((s) => s.id)])];
    for (let i = 0; i < ids.length; i += concurrency) await Promise.all(ids.slice(i, i + concurrency).map((id) => this.labs.remove(id)));
  }

  /** What is left of the labs in the namespace: Services, pods and NetworkPolicies. */
  async leftovers(): Promise<number> {
    const [services, pods, policies] = await Promise.all([
      this.core.listNamespacedService({ namespace: NAMESPACE }),
      this.core.listNamespacedPod({ namespace: NAMESPACE }),
      this.networking.listNamespacedNetworkPolicy({ namespace: NAMESPACE }),
    ]);
    return services.items.length + pods.items.length + policies.items.length;
  }

  /** Deletes the namespace and the course's nodes (the test cluster itself is its owner's to remove). */
  async close(): Promise<void> {
    await this.core.deleteNamespace({ name: NAMESPACE }).catch(() => {});
    await this.nodes.remove();
  }

  private async pods(): Promise<V1Pod[]> {
    const { items } = await this.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "dockyard.io/role=node" });
    return items.filter((p) => !p.metadata?.deletionTimestamp);
  }
}
