// Over 300 lines: LabManager is the one facade the HTTP routes and main.ts call, each method a few lines over labs/.
import {
  type BootStage,
  type Lesson,
  DEFAULT_NODE,
  Refusal,
  type RefusalCode,
  nodeNames,
  type CheckResult,
  type RecordedCommand,
  type RegistryCredentials,
  type ServerMessage,
  sandboxIdFor,
  type HostStatus,
  type Step,
  commandLogsDir,
  SETUP_STAGE,
} from "@dockyard/contract/server";
import { DriverError, type DriverErrorCode, type Sandbox, type SandboxDriver } from "./sandbox/driver";
import type { TerminalSession } from "./terminal/session";
import { CommandLogs } from "./recordings/command-log";
import { Boots } from "./labs/boots";
import { BootQueue } from "./labs/boot-queue";
import { Admission, type LabQuotas } from "./labs/admission";
import { Notices } from "./labs/notices";
import { IdleCuller, type CullableLabs } from "./labs/idle-culler";
import { evict, type EvictableLabs, type EvictionPolicy } from "./labs/eviction";
import { StepCheck } from "./labs/step-check";
import { Steps } from "./labs/steps";
import { Shells, type ShellOptions } from "./labs/shells";
import { labNode, type LabNode } from "./labs/lab-node";
import { LabSetup } from "./labs/setup";
import { finiteOrNull, gatherStatus, startedLabs } from "./labs/status";
import { HostLoadMeter } from "./labs/host-load";
import { WarmPool, type PoolPolicy, type PoolStatus } from "./labs/pool";
import { KubernetesBinaries } from "./kubernetes/binaries";
import { labClusterApi, startCluster } from "./kubernetes/cluster";

// Lab lifecycle above the driver: labs are admitted within the quotas (labs/admission.ts), booted once however many
// ask (labs/boots.ts) and a few at a time, in a fair line (labs/boot-queue.ts), or claimed ready from the driver's warm
// pool (labs/pool.ts, which also keeps it full), given one shell per node (labs/shells.ts: recorded, with a marker at
// each step change and check attempt, and the commands each shell reports logged on the host, recordings/command-log.ts),
// told their step (labs/steps.ts), checked (labs/step-check.ts), suspended when idle (labs/idle-culler.ts) and resumed
// when asked for again, removed when the learner resets it or eviction says so (labs/eviction.ts); learners are told
// at their terminals what their lab runs into (labs/notices.ts), and when it was lost with the cluster machine it ran
// on, which ends its terminals so that connecting again starts it anew; admins see it all with the host's load
// (labs/status.ts). A sandbox is the whole lab (all its nodes): what a lab token names, boots, idles, is suspended.
// A Kubernetes lab gets its binaries before it boots and its cluster after (kubernetes/binaries.ts, kubernetes/cluster.ts).
// A lesson that prepares its lab (files:, ```sh setup blocks) does so as the boot's last stage, and a step's setup
// runs when the learner reaches it, its checks waiting for it (labs/setup.ts).

export interface LabManagerOptions extends LabQuotas, Pick<ShellOptions, "spawnPty" | "recordings"> {
  idleTimeoutMs: number;
  /** Where the commands the shells report are kept; in commandLogsDir() unless given. */
  commandLogs?: CommandLogs;
  /** How many labs may boot at once (no limit unless given); the others wait in line. */
  bootConcurrency?: number;
  /** How long a lab waiting in line stays there with no terminal waiting for it (a reload keeps its place). */
  queueGraceMs?: number;
  findLesson(slug: string): Lesson | undefined;
  /** When suspended labs are removed; they are kept until removed otherwise unless given. */
  eviction?: EvictionPolicy;
  /** The warm pool to keep, if the driver has one (none unless given, or of size 0). */
  pool?: PoolPolicy;
  /** Where Kubernetes labs get their binaries (scripts/kubernetes/build.sh unless given). */
  kubernetesBinaries?: KubernetesBinaries;
  now?: () => number;
}

/** The driver's boot failures the learner is told as what they are; any other is boot_failed. */
const TOLD_AS_SUCH: Partial<Record<DriverErrorCode, RefusalCode>> = { engine_down: "engine_down", capacity: "at_capacity" };

/** Long enough for a page to reload and open its terminal again. */
const QUEUE_GRACE_MS = 15_000;

export class LabManager {
  private readonly boots: Boots;
  private readonly queue: BootQueue;
  private readonly shells: Shells;
  private readonly steps: Steps;
  private readonly setup: LabSetup;
  private readonly admission: Admission;
  private readonly notices: Notices;
  private readonly culler: IdleCuller;
  private readonly hostLoad = new HostLoadMeter();
  /** The labs as the idle culler and eviction see them. */
  private readonly labs: CullableLabs & EvictableLabs;
  private readonly pool?: WarmPool;
  private readonly commandLogs: CommandLogs;
  private readonly kubernetesBinaries: KubernetesBinaries;

  constructor(
    private readonly driver: SandboxDriver,
    private readonly options: LabManagerOptions,
  ) {
    const now = options.now ?? Date.now;
    this.boots = new Boots({ abandonAfterMs: options.queueGraceMs ?? QUEUE_GRACE_MS });
    this.queue = new BootQueue({ concurrency: options.bootConcurrency ?? Infinity, labsOf: (learnerId) => this.labsOf(learnerId), now });
    this.admission = new Admission(driver, options, (slug) => options.findLesson(slug)?.title ?? slug);
    this.commandLogs = options.commandLogs ?? new CommandLogs(commandLogsDir());
    this.kubernetesBinaries = options.kubernetesBinaries ?? new KubernetesBinaries();
    this.shells = new Shells(driver, {
      spawnPty: options.spawnPty,
      recordings: options.recordings,
      commandLogs: this.commandLogs,
      onActivity: (id) => this.touch(id),
      onOpened: (id, node) => void this.notices.lookAtLimits(id, node), // what was hit before this shell is not news
    });
    this.notices = new Notices(driver, this.shells.all, { now, recordings: options.recordings });
    this.steps = new Steps({
      nodesOf: async (id) => (await this.boots.get(id)?.done.catch(() => undefined))?.nodes ?? (await driver.get(id))?.nodes ?? [DEFAULT_NODE],
      execOn: (id, node) => labNode(driver, id, node).exec,
      mark: (id, marker) => options.recordings?.mark(id, marker),
    });
    this.setup = new LabSetup((id, node) => labNode(driver, id, node).exec);
    this.labs = {
      list: () => driver.list(),
      storageUsage: () => driver.storageUsage(),
      inUse: (id) => this.inUse(id),
      suspend: (id) => this.suspend(id),
      remove: (id) => this.remove(id),
    };
    this.culler = new IdleCuller(this.labs, { idleTimeoutMs: options.idleTimeoutMs, now });
    if (driver.pool && options.pool && options.pool.size > 0) this.pool = new WarmPool(driver.pool, this.queue, options.pool, now);
  }

  lesson(slug: string): Lesson {
    const lesson = this.options.findLesson(slug);
    if (!lesson) throw new Refusal("unknown_lesson", `There is no lesson “${slug}”.`);
    return lesson;
  }

  /** The node a request names (node1 unless given), if the lesson's lab has it. */
  nodeOf(lessonSlug: string, node: string | null | undefined): string {
    const nodes = nodeNames(this.lesson(lessonSlug).nodes);
    const name = node || DEFAULT_NODE;
    if (!nodes.includes(name)) throw new Refusal("unknown_node", `This lab has no node “${name}”; its nodes are ${nodes.join(", ")}.`);
    return name;
  }

  /**
   * Starts the learner's sandbox for a lesson unless it is already booting or running, within the lab quotas;
   * `onBoot` is called when this call started it (fresh or resumed).
   */
  async ensure(learnerId: string, lessonSlug: string, onBoot?: () => void): Promise<string> {
    const lesson = this.lesson(lessonSlug);
    const refused = lesson.kubernetes && this.driver.kubernetesLessonsRefused;
    if (refused) throw new Refusal("boot_failed", refused); // before anything is booted or built for it
    const id = sandboxIdFor(learnerId, lessonSlug);
    if (this.boots.has(id) && (await this.isAlive(id))) {
      this.touch(id);
      return id;
    }
    await this.admission.inTurn(async () => {
      if (this.boots.has(id) && (await this.isAlive(id))) return; // a concurrent request started it meanwhile
      if (this.boots.has(id)) this.forget(id); // died or was removed behind our back: boot it again
      await this.admission.check(learnerId, id, this.boots.owners());
      this.boot(learnerId, lesson, id);
      onBoot?.();
    });
    this.touch(id);
    return id;
  }

  private boot(learnerId: string, lesson: Lesson, id: string): void {
    this.touch(id);
    this.boots.start(
      id,
      async (emit, abandoned) => {
        try {
          const onStage = (stage: BootStage, detail?: string) => emit({ type: "stage", stage, detail });
          const kubernetes = lesson.kubernetes && { binaries: await this.kubernetesBinaries.directory((line) => onStage("binaries", line)) };
          const spec = { learnerId, lessonSlug: lesson.slug, images: lesson.images, nodes: lesson.nodes, registry: lesson.registry, kubernetes };
          const sandbox =
            (await this.pool?.claim(spec, onStage)) ??
            (await this.queue.run(
              { id, learnerId },
              () => this.driver.start(spec, onStage),
              (place) => emit({ type: "queued", ...place }),
              abandoned,
            ));
          if (lesson.kubernetes) await startCluster(this.driver, sandbox, lesson.kubernetes, onStage);
          await this.prepareLab(sandbox, lesson, onStage);
          this.touch(id); // idle time counts from ready: a slow boot or a long wait in line is not idleness
          if (sandbox.resumedFrom) emit({ type: "resumed", suspendedAt: sandbox.resumedFrom.toISOString() });
          emit({ type: "ready" });
          return sandbox;
        } catch (e) {
          if (e === abandoned.reason) throw new Refusal("not_running", "Your lab left the line before its turn to start came; reload the page to start it.");
          if (e instanceof Refusal && e.code === "setup_failed") {
            emit({ type: "error", code: e.code, message: e.message });
            throw e;
          }
          const code = (e instanceof DriverError && TOLD_AS_SUCH[e.code]) || "boot_failed";
          emit({ type: "error", code, message: `The sandbox could not start: ${(e as Error).message}` });
          throw new Refusal(code, (e as Error).message);
        }
      },
      { learnerId, lessonSlug: lesson.slug },
    );
  }

  /** The lesson's files and setup blocks, as the boot's last stage (a lab adopted or resumed runs only what it has not yet). */
  private async prepareLab(sandbox: Sandbox, lesson: Lesson, onStage: (stage: BootStage) => void): Promise<void> {
    if (!LabSetup.prepares(lesson)) return;
    onStage(SETUP_STAGE);
    await this.setup.prepareLab(sandbox.id, lesson);
  }

  /**
   * Replays the boot's events so far, then follows it; resolves when the sandbox is ready. Aborting `signal` stops
   * following (the terminal closed): a lab waiting in line that nobody follows any more leaves the line after a grace period.
   */
  async watch(id: string, listener: (m: ServerMessage) => void, signal?: AbortSignal): Promise<Sandbox> {
    const boot = this.boots.get(id);
    if (!boot) throw new Refusal("not_running", "This sandbox is not running.");
    return boot.watch(listener, signal);
  }

  /** How many labs the learner has booting or running, not counting those waiting in line. */
  private labsOf(learnerId: string): number {
    return [...this.boots.owners()].filter(([id, owner]) => owner.learnerId === learnerId && !this.queue.waits(id)).length;
  }

  /** The shell of one node of the sandbox (node1 unless given), shared by every terminal attached to it. */
  session(id: string, node: string = DEFAULT_NODE): TerminalSession {
    return this.shells.of(id, node);
  }

  private step(lesson: Lesson, stepId: string): Step {
    const step = lesson.steps.find((s) => s.id === stepId);
    if (!step) throw new Refusal("unknown_step", `Lesson “${lesson.slug}” has no step “${stepId}”.`);
    return step;
  }

  /**
   * Judges a step's checks, each on the node it names (node1 unless it says `node:`), with the step's commands as evidence;
   * once the step's setup is done (it runs now if it has not yet).
   */
  async check(id: string, lessonSlug: string, stepId: string): Promise<CheckResult> {
    const lesson = this.lesson(lessonSlug);
    const step = this.step(lesson, stepId);
    await this.assertRunning(id);
    this.touch(id);
    await this.setup.prepareStep(id, step);
    const cluster = lesson.kubernetes ? () => labClusterApi(this.driver, id) : undefined;
    const run = new StepCheck(this.driver, id, nodeNames(lesson.nodes), (node) => this.commands(id, stepId, node), cluster);
    const result = await run.verdict(step.checks);
    this.options.recordings?.mark(id, `check ${stepId} ${result.passed ? "passed" : "failed"}`);
    const evidence = await run.evidence();
    return evidence.length ? { ...result, commands: evidence } : result;
  }

  /**
   * Runs the step's setup blocks not yet done, once the lab is ready (the learner reached the step; idempotent: a block
   * that passed never runs again). Throws setup_failed with the script's output when one fails.
   */
  async prepareStep(id: string, lessonSlug: string, stepId: string): Promise<void> {
    const step = this.step(this.lesson(lessonSlug), stepId);
    if (!step.setup?.length) return;
    const boot = this.boots.get(id);
    if (!boot) throw new Refusal("not_running", "Your lab is not running; reload the page to start it.");
    await boot.done.catch(() => {
      throw new Refusal("not_running", "Your lab did not start, so this step cannot be prepared yet.");
    });
    await this.assertRunning(id);
    this.touch(id);
    await this.setup.prepareStep(id, step);
  }

  /** The learner's credentials for the lab's registry (lessons with `registry: true`). */
  async registry(id: string, lessonSlug: string): Promise<RegistryCredentials> {
    if (!this.lesson(lessonSlug).registry) throw new Refusal("no_registry", `The lab of “${lessonSlug}” has no registry.`);
    await this.assertRunning(id);
    const registry = await this.driver.registry(id);
    if (!registry) throw new Refusal("not_running", "Your lab's registry is not running; reload the page to start your lab again.");
    this.touch(id);
    return { host: registry.host, username: registry.username, password: registry.password };
  }

  /** Refuses unless the lab runs, is not lost and finished booting; `then` says what the learner does next. */
  private async assertRunning(id: string, then = { start: "reload the page to start it", retry: "check again" }): Promise<void> {
    const sandbox = await this.driver.get(id);
    if (sandbox?.lost) throw new Refusal("lab_lost");
    if (!sandbox?.running) throw new Refusal("not_running", `Your sandbox is not running; ${then.start}.`);
    if (this.booting(id)) throw new Refusal("not_running", `Your sandbox is still starting; ${then.retry} once the terminal is connected.`);
  }

  /** A node of the learner's sandbox once it is ready; using it counts as activity. */
  async node(id: string, lessonSlug: string, name: string | null | undefined): Promise<LabNode> {
    const node = this.nodeOf(lessonSlug, name);
    await this.assertRunning(id, { start: "reload the lesson page to start it", retry: "try again" });
    this.touch(id);
    return labNode(this.driver, id, node);
  }

  /** Whether a node of a lab is there and running: the front server asks before a preview's host name gets a certificate. */
  async runs(id: string, node: string): Promise<boolean> {
    const sandbox = await this.driver.get(id);
    return Boolean(sandbox?.running && sandbox.nodes.includes(node));
  }

  /** The shell of a node of a running lab, for a live view: watching starts nothing. */
  async liveSession(id: string, lessonSlug: string, name: string | null | undefined): Promise<TerminalSession> {
    const node = this.nodeOf(lessonSlug, name);
    const notRunning = "This lab is not running, so there is nothing to watch live; its recording can still be replayed.";
    if (!this.boots.has(id) || !(await this.driver.get(id))?.running) throw new Refusal("not_running", notRunning);
    if (this.booting(id)) throw new Refusal("not_running", "This lab is still starting; open the live view again in a moment.");
    return this.session(id, node);
  }

  /** Commands run in the learner's shells (on every node) from now on count for this step. Writes only when the step changes. */
  setStep(id: string, stepId: string): Promise<void> {
    this.touch(id);
    return this.steps.set(id, stepId);
  }

  /** The commands a node's shell reported, oldest first; only those of one step if given. */
  async commands(id: string, stepId?: string, node: string = DEFAULT_NODE): Promise<RecordedCommand[]> {
    return this.commandLogs.read(id, node, stepId);
  }

  /** Removes the lab for good, with everything in it and its command logs (its recordings are kept). */
  async remove(id: string): Promise<void> {
    this.forget(id);
    await this.driver.remove(id);
    this.commandLogs.remove(id);
  }

  /** Stops the lab keeping everything in it; the next ensure() resumes it. */
  async suspend(id: string): Promise<void> {
    this.forget(id);
    try {
      await this.driver.suspend(id);
    } catch (e) {
      if (e instanceof DriverError && e.code === "not_running") throw new Refusal("not_running", "Your lab is not there, so there is nothing to stop.");
      throw e;
    }
  }

  private forget(id: string, reason?: "lab_lost"): void {
    this.shells.close(id, reason);
    this.boots.forget(id);
    this.culler.forget(id);
    this.steps.forget(id);
    this.setup.forget(id);
    this.notices.forget(id);
    this.options.recordings?.close(id);
    this.commandLogs.close(id);
  }

  private booting(id: string): boolean {
    return Boolean(this.boots.get(id)?.booting);
  }

  /** A boot still in progress counts as alive; a finished one only while its sandbox runs and is not lost. */
  private async isAlive(id: string): Promise<boolean> {
    if (this.booting(id)) return true;
    const sandbox = await this.driver.get(id);
    return Boolean(sandbox?.running && !sandbox.lost);
  }

  private inUse(id: string): boolean {
    return this.shells.attached(id) || this.booting(id);
  }

  /** Tells everyone at a terminal when the engine stops answering and when it is back; resolves whether it is up. */
  watchEngine(): Promise<boolean> {
    return this.notices.watchEngine();
  }

  /** Tells the learners at their terminals about every limit their lab ran into since the last look. */
  tellLimits(): Promise<void> {
    return this.notices.tellLimits();
  }

  /**
   * Tells the learners at the terminals of every lab the driver reports lost, and ends those terminals and live views
   * (refused as lab_lost): the lesson page connects again, which starts the lab anew (driver.start() of a lost lab
   * places it afresh). Resolves the labs told.
   */
  async tellLost(): Promise<Sandbox[]> {
    const lost = await this.notices.tellLost();
    for (const { id } of lost) this.forget(id, "lab_lost");
    return lost;
  }

  /**
   * Sandboxes left by an earlier lab-runner are adopted: their boot counts as done once their lesson's setup is (only
   * what it had not finished runs), their idle clock restarts.
   */
  async adopt(): Promise<number> {
    const found = (await this.driver.list()).filter((s) => s.running);
    for (const sandbox of found) {
      this.touch(sandbox.id);
      const lesson = this.options.findLesson(sandbox.lessonSlug);
      this.boots.adopt(sandbox, lesson && ((emit) => this.prepareLab(sandbox, lesson, (stage) => emit({ type: "stage", stage }))));
    }
    return found.length;
  }

  /** Suspends sandboxes idle for longer than the timeout with no terminal attached (removes dead ones). Returns their ids. */
  reap(): Promise<string[]> {
    return this.culler.reap();
  }

  /** Removes the suspended labs the eviction policy says must go, oldest first. Returns their ids. */
  async evict(): Promise<string[]> {
    return this.options.eviction ? evict(this.labs, this.options.eviction, (this.options.now ?? Date.now)()) : [];
  }

  /** Prunes the warm pool and tops it up in the background; resolves once it is full (or a refill failed, said in the log). */
  tendPool(): Promise<void> {
    return this.pool?.tend() ?? Promise.resolve();
  }

  /** What the warm pool holds (booted, not handed out yet) and keeps, per image set; nothing without a pool. */
  poolStatus(): Promise<PoolStatus[]> {
    return this.pool?.status() ?? Promise.resolve([]);
  }

  /** For admins: every lab and its state (the line in boot order), the host's memory, CPU and disk, and the limits. */
  async status(): Promise<HostStatus> {
    const pooled = (await this.poolStatus().catch(() => [])).reduce((sum, set) => sum + set.pooled, 0);
    const { maxLabs, maxLabsPerLearner, bootConcurrency, eviction } = this.options;
    return gatherStatus(this.driver, {
      now: (this.options.now ?? Date.now)(),
      ...startedLabs(this.boots, this.queue),
      pooled,
      connected: (id) => this.shells.attached(id),
      load: () => this.hostLoad.read(),
      limits: {
        ...finiteOrNull({ maxLabs, maxLabsPerLearner, bootConcurrency }),
        nodeMemoryBytes: this.driver.limits.memoryBytes,
        diskHighWaterPercent: eviction?.diskHighWaterPercent ?? null,
      },
    });
  }

  /** The lab was used now: its idle clock restarts. */
  touch(id: string): void {
    this.culler.touch(id);
  }
}
