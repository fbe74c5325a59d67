import type { Lesson } from "./lessons/schema";
import type { Sandbox, SandboxDriver } from "./sandbox/driver";
import type { CheckResult, RecordedCommand, ServerMessage } from "./shared/types";
import { sandboxIdFor } from "./shared/ids";
import { TerminalSession, type Pty } from "./terminal/session";
import { judge } from "./checks/judge";
import { readCommands, writeStep } from "./checks/commands";

// Lab lifecycle above the driver: one boot per sandbox at a time with its stages replayed to late
// watchers, one shell session per sandbox, activity tracking and the idle reaper.

export class LabError extends Error {
  constructor(
    readonly code: "unknown_lesson" | "unknown_step" | "not_running" | "boot_failed",
    message: string,
  ) {
    super(message);
  }
}

interface Boot {
  events: ServerMessage[];
  listeners: Set<(m: ServerMessage) => void>;
  done: Promise<Sandbox>;
}

export interface LabManagerOptions {
  idleTimeoutMs: number;
  findLesson(slug: string): Lesson | undefined;
  spawnPty(command: ReturnType<SandboxDriver["shellCommand"]>, size: { cols: number; rows: number }): Pty;
  now?: () => number;
}

export class LabManager {
  private readonly boots = new Map<string, Boot>();
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly lastActive = new Map<string, number>();
  /** Per sandbox: the step last written into it, and the write in flight (step changes apply in order). */
  private readonly steps = new Map<string, { current?: string; writing: Promise<void> }>();
  private readonly now: () => number;

  constructor(
    private readonly driver: SandboxDriver,
    private readonly options: LabManagerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  lesson(slug: string): Lesson {
    const lesson = this.options.findLesson(slug);
    if (!lesson) throw new LabError("unknown_lesson", `There is no lesson “${slug}”.`);
    return lesson;
  }

  /** Starts the learner's sandbox for a lesson unless it is already booting or running. */
  async ensure(learnerId: string, lessonSlug: string): Promise<string> {
    const lesson = this.lesson(lessonSlug);
    const id = sandboxIdFor(learnerId, lessonSlug);
    if (this.boots.has(id) && (await this.isAlive(id))) {
      this.touch(id);
      return id;
    }
    if (this.boots.has(id)) this.forget(id); // died or was removed behind our back: boot it again
    this.touch(id);
    const boot: Boot = { events: [], listeners: new Set(), done: Promise.resolve(null as unknown as Sandbox) };
    const emit = (m: ServerMessage) => {
      boot.events.push(m);
      for (const l of boot.listeners) l(m);
    };
    boot.done = this.driver
      .start({ learnerId, lessonSlug, images: lesson.images }, (stage, detail) => emit({ type: "stage", stage, detail }))
      .then((sandbox) => {
        emit({ type: "ready" });
        return sandbox;
      })
      .catch((e: Error) => {
        this.boots.delete(id); // the next attempt starts afresh
        emit({ type: "error", code: "boot_failed", message: `The sandbox could not start: ${e.message}` });
        throw new LabError("boot_failed", e.message);
      });
    boot.done.catch(() => {});
    this.boots.set(id, boot);
    return id;
  }

  /** Replays the boot's events so far, then follows it; resolves when the sandbox is ready. */
  async watch(id: string, listener: (m: ServerMessage) => void): Promise<Sandbox> {
    const boot = this.boots.get(id);
    if (!boot) throw new LabError("not_running", "This sandbox is not running.");
    boot.events.forEach(listener);
    boot.listeners.add(listener);
    try {
      return await boot.done;
    } finally {
      boot.listeners.delete(listener);
    }
  }

  session(id: string): TerminalSession {
    let session = this.sessions.get(id);
    if (!session) {
      const command = this.driver.shellCommand(id);
      session = new TerminalSession((size) => this.options.spawnPty(command, size), { onActivity: () => this.touch(id) });
      this.sessions.set(id, session);
    }
    return session;
  }

  async check(id: string, lessonSlug: string, stepId: string): Promise<CheckResult> {
    const step = this.lesson(lessonSlug).steps.find((s) => s.id === stepId);
    if (!step) throw new LabError("unknown_step", `Lesson “${lessonSlug}” has no step “${stepId}”.`);
    if (!(await this.driver.get(id))?.running) throw new LabError("not_running", "Your sandbox is not running; reload the page to start it.");
    if (this.boots.has(id) && !(await this.settled(id)))
      throw new LabError("not_running", "Your sandbox is still starting; check again once the terminal is connected.");
    this.touch(id);
    let recorded: Promise<RecordedCommand[]> | undefined;
    const commands = () => (recorded ??= this.commands(id, stepId)); // read once, by the judge or for the evidence
    const result = step.checks.length
      ? await judge(step.checks, { docker: this.driver.innerDocker(id), exec: (cmd, opts) => this.driver.exec(id, cmd, opts), commands })
      : { passed: true, message: "This step has nothing to check.", criteria: [] };
    const evidence = await commands().catch(() => []); // the verdict stands even if the log cannot be read
    return evidence.length ? { ...result, commands: evidence } : result;
  }

  /** Commands run in the learner's shell from now on count for this step. Writes only when the step changes. */
  setStep(id: string, stepId: string): Promise<void> {
    const state = this.steps.get(id) ?? { writing: Promise.resolve() };
    this.steps.set(id, state);
    state.writing = state.writing
      .catch(() => {})
      .then(async () => {
        if (state.current === stepId) return;
        await writeStep((cmd, opts) => this.driver.exec(id, cmd, opts), stepId);
        state.current = stepId;
      });
    this.touch(id);
    return state.writing;
  }

  /** The commands the learner's shell recorded, oldest first; only those of one step if given. */
  commands(id: string, stepId?: string): Promise<RecordedCommand[]> {
    return readCommands((cmd, opts) => this.driver.exec(id, cmd, opts), stepId);
  }

  async remove(id: string): Promise<void> {
    this.forget(id);
    await this.driver.remove(id);
  }

  private forget(id: string): void {
    this.sessions.get(id)?.close();
    this.sessions.delete(id);
    this.boots.delete(id);
    this.lastActive.delete(id);
    this.steps.delete(id);
  }

  /** A boot still in progress counts as alive; a finished one only while its sandbox runs. */
  private settled(id: string): Promise<boolean> {
    const boot = this.boots.get(id)!;
    return Promise.race([boot.done.then(() => true, () => true), new Promise<false>((r) => setImmediate(() => r(false)))]);
  }

  private async isAlive(id: string): Promise<boolean> {
    return !(await this.settled(id)) || Boolean((await this.driver.get(id))?.running);
  }

  /** Sandboxes left by an earlier lab-runner are adopted: their boot counts as done, their idle clock restarts. */
  async adopt(): Promise<number> {
    const found = (await this.driver.list()).filter((s) => s.running);
    for (const sandbox of found) {
      this.touch(sandbox.id);
      const events: ServerMessage[] = [{ type: "ready" }];
      this.boots.set(sandbox.id, { events, listeners: new Set(), done: Promise.resolve(sandbox) });
    }
    return found.length;
  }

  /** Removes sandboxes idle for longer than the timeout with no terminal attached. Returns their ids. */
  async reap(): Promise<string[]> {
    const removed: string[] = [];
    for (const sandbox of await this.driver.list()) {
      if ((this.sessions.get(sandbox.id)?.attachedClients ?? 0) > 0) continue;
      const last = this.lastActive.get(sandbox.id);
      if (last === undefined) {
        this.touch(sandbox.id);
        continue;
      }
      if (this.now() - last >= this.options.idleTimeoutMs) {
        await this.remove(sandbox.id);
        removed.push(sandbox.id);
      }
    }
    return removed;
  }

  touch(id: string): void {
    this.lastActive.set(id, this.now());
  }
}
