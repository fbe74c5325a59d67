import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Refusal, setupFailure, type Lesson, type LessonFile, type SetupScript, type Step } from "@dockyard/contract/server";
import { DriverError } from "../sandbox/driver";
import { INSIDE } from "../sandbox/docker/paths";
import type { LabNode } from "./lab-node";

// Lesson setup on a lab (see contract/lessons/setup-blocks.ts for how it is written): the lesson's files placed on
// their nodes, then its ```sh setup blocks run in order, before the lab is ready (labs.ts runs this as the boot's
// "setup" stage); a step's blocks when the learner reaches the step. They run as root through driver.exec, the path
// checks use, never in a terminal: neither the recording nor the command log ever holds them or their output.
// Each passed block, and each node's files once placed, leaves a marker on the node (MARKERS_DIR), named by the
// block's id and a hash of what it runs, so a retry, a resumed lab or one a restarted lab-runner adopts never runs a
// passed block again (and an edited block counts as a new one). A failed block runs again on the next try.

/** Where a node keeps its markers: on its own disk, which a suspended lab keeps with either driver (with its /root and Docker data). */
export const MARKERS_DIR = `${INSIDE.disk}/setup`;

/** Seconds `timeout` waits after its TERM before it KILLs a script that ran out of time. */
const KILL_AFTER_S = 5;
/** Exit codes of `timeout` when the script ran out of time (TERM, then KILL). */
const TIMED_OUT = [124, 137];

const hash = (...parts: (string | Buffer)[]) => {
  const h = crypto.createHash("sha256");
  for (const part of parts) h.update(part).update("\0");
  return h.digest("hex").slice(0, 16);
};

/** Runs a command in a node of a sandbox. */
export type ExecOn = (id: string, node: string) => LabNode["exec"];

interface LabState {
  /** Per node: the markers on it, read once. */
  markers: Map<string, Promise<Set<string>>>;
  /** Preparations under way, by what they prepare ("lesson", "step <id>"): a second ask joins the first. */
  running: Map<string, Promise<void>>;
}

export class LabSetup {
  private readonly labs = new Map<string, LabState>();

  constructor(private readonly execOn: ExecOn) {}

  /** Whether the lesson prepares its lab at all (a boot stage of its own). */
  static prepares(lesson: Lesson): boolean {
    return Boolean(lesson.files?.length || lesson.setup?.length);
  }

  /** Places the lesson's files, then runs its setup blocks in order, each unless done. Throws Refusal setup_failed. */
  prepareLab(id: string, lesson: Lesson): Promise<void> {
    return this.once(id, "lesson", async () => {
      const files = lesson.files ?? [];
      for (const node of new Set(files.map((f) => f.node)))
        await this.placeFiles(
          id,
          node,
          path.dirname(lesson.file),
          files.filter((f) => f.node === node),
        );
      for (const script of lesson.setup ?? []) await this.run(id, script, "Preparing your lab failed");
    });
  }

  /** Runs the step's setup blocks in order, each unless done. Throws Refusal setup_failed. */
  prepareStep(id: string, step: Step): Promise<void> {
    if (!step.setup?.length) return Promise.resolve();
    return this.once(id, `step ${step.id}`, async () => {
      for (const script of step.setup ?? []) await this.run(id, script, `Preparing step “${step.title}” failed`);
    });
  }

  forget(id: string): void {
    this.labs.delete(id);
  }

  private state(id: string): LabState {
    let state = this.labs.get(id);
    if (!state) this.labs.set(id, (state = { markers: new Map(), running: new Map() }));
    return state;
  }

  private once(id: string, what: string, prepare: () => Promise<void>): Promise<void> {
    const { running } = this.state(id);
    let preparing = running.get(what);
    if (!preparing) {
      preparing = prepare().finally(() => running.delete(what));
      running.set(what, preparing);
    }
    return preparing;
  }

  private markers(id: string, node: string): Promise<Set<string>> {
    const { markers } = this.state(id);
    let known = markers.get(node);
    if (!known) {
      known = this.execOn(id, node)(["sh", "-c", `ls -1 ${MARKERS_DIR} 2>/dev/null; true`]).then((r) => new Set(r.output.split("\n").filter(Boolean)));
      known.catch(() => markers.delete(node)); // read again next time
      markers.set(node, known);
    }
    return known;
  }

  /** Runs `work` unless the node has the marker, then leaves the marker. */
  private async unlessMarked(id: string, node: string, marker: string, work: () => Promise<void>): Promise<void> {
    const markers = await this.markers(id, node);
    if (markers.has(marker)) return;
    await work();
    await this.execOn(id, node)(["sh", "-c", `mkdir -p ${MARKERS_DIR} && touch "${MARKERS_DIR}/$1"`, "mark", marker]);
    markers.add(marker);
  }

  private async run(id: string, script: SetupScript, failed: string): Promise<void> {
    const where = `the setup script on ${script.node} (line ${script.line ?? "?"} of the lesson)`;
    await this.unlessMarked(id, script.node, `${script.id}.${hash(script.node, script.script)}`, async () => {
      let result;
      try {
        result = await this.execOn(id, script.node)(
          ["sh", "-c", `cd /root && exec timeout -k ${KILL_AFTER_S} "$1" bash -c "$2"`, "setup", String(script.timeout), script.script],
          { timeoutMs: (script.timeout + KILL_AFTER_S + 10) * 1000 },
        );
      } catch (e) {
        if (e instanceof DriverError && e.code === "exec_timeout") throw new Refusal("setup_failed", `${failed}: ${where} did not finish in time.`);
        throw e;
      }
      if (TIMED_OUT.includes(result.exitCode))
        throw new Refusal("setup_failed", setupFailure(`${failed}: ${where} did not finish within ${script.timeout} s and was stopped.`, result.output));
      if (result.exitCode !== 0) throw new Refusal("setup_failed", setupFailure(`${failed}: ${where} ended with exit code ${result.exitCode}.`, result.output));
    });
  }

  private async placeFiles(id: string, node: string, folder: string, files: LessonFile[]): Promise<void> {
    const contents = files.map((f) => readLessonFile(folder, f.source));
    const marker = `files.${hash(node, ...files.flatMap((f, i) => [f.target, f.mode ?? "", contents[i]!]))}`;
    await this.unlessMarked(id, node, marker, async () => {
      for (const [i, file] of files.entries()) {
        const mode = file.mode ?? "0644";
        const place = 'mkdir -p "$(dirname "$1")" && base64 -d > "$1" && chmod "$2" "$1"';
        const result = await this.execOn(id, node)(["sh", "-c", place, "place", file.target, mode], { stdin: contents[i]!.toString("base64") });
        if (result.exitCode !== 0)
          throw new Refusal(
            "setup_failed",
            setupFailure(`Preparing your lab failed: the lesson's file ${file.source} could not be placed at ${file.target} on ${node}.`, result.output),
          );
      }
    });
  }
}

/** A file of the lesson's folder; one outside it (through a link) or missing is the lesson's fault, told as such. */
function readLessonFile(folder: string, source: string): Buffer {
  const file = path.resolve(folder, source);
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    throw new Refusal("setup_failed", `Preparing your lab failed: the lesson's file ${source} is missing from its folder (lessons:lint says so too).`);
  }
  if (!real.startsWith(fs.realpathSync(folder) + path.sep))
    throw new Refusal("setup_failed", `Preparing your lab failed: the lesson's file ${source} is outside its folder.`);
  return fs.readFileSync(real);
}
