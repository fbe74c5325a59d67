import fs from "node:fs";
import path from "node:path";
import type { RecordedCommand } from "@dockyard/contract";
import type { CommandReport } from "../terminal/command-reports";
import { nodeFile, sandboxDir } from "./node-files";

// The commands each node's shell reported, kept on the host where the learner cannot reach them: <dir>/<sandbox id>/
// <node>.log, appended to as each report arrives (terminal/command-reports.ts) and never rewritten, so what was
// recorded stays as it was whatever the learner does in the sandbox. The one place commands are written and read:
// checks about a command and the evidence sent with every check read them here.
//
// Why this design: the shell runs inside the sandbox, where the learner is root, so what it reports can be forged as
// it is made; recording it on the host takes away the rest (editing or deleting what was recorded, as a file in the
// sandbox allowed). Rebuilding commands from the keystrokes the lab-runner sees instead was weighed and left: line
// editing, history, completion and pasted blocks make the typed bytes a poor record of what ran, while a learner who
// means to forge can type the forged command as easily. The state checks stay the authority; this is evidence.
//
// A log outlives lab-runner restarts and suspend/resume (it is a file, continued by the next writer) and goes with
// the lab when it is removed. Each line: epoch-ms TAB step TAB exit-status TAB command, with \ newline tab CR
// escaped as \\ \n \t \r; the time is when the lab-runner got the report.

/** A log stops growing at this size (a shell that floods reports fills its own log, nothing more). */
const MAX_LOG_BYTES = 4 * 1024 * 1024;
/** Only the end of a log is read: a step's commands are recent ones. */
const MAX_LINES = 5000;
const TAIL_BYTES = 1024 * 1024;

export class CommandLogs {
  /** Per sandbox, per node: the open log and its size. */
  private readonly open = new Map<string, Map<string, { fd: number; bytes: number }>>();

  constructor(
    private readonly dir: string,
    private readonly options: { now?: () => number } = {},
  ) {}

  /** Records a command a node's shell reported. */
  append(sandbox: string, node: string, report: CommandReport): void {
    try {
      const log = this.logOf(sandbox, node);
      const line = formatLine((this.options.now ?? Date.now)(), report);
      if (log.bytes + Buffer.byteLength(line) > MAX_LOG_BYTES) return;
      fs.writeSync(log.fd, line);
      log.bytes += Buffer.byteLength(line);
    } catch (e) {
      console.error(`[lab-runner] a command of ${node} of ${sandbox} was not recorded: ${(e as Error).message}`);
    }
  }

  /** The commands a node's shell reported, oldest first; only those of one step if given. */
  read(sandbox: string, node: string, step?: string): RecordedCommand[] {
    let text: string;
    try {
      text = readTail(nodeFile(this.dir, sandbox, node, ".log"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    const commands = parseCommandLog(
      text
        .split("\n")
        .slice(-MAX_LINES - 1)
        .join("\n"),
    );
    return step === undefined ? commands : commands.filter((c) => c.step === step);
  }

  /** Releases the lab's files (its logs stay). */
  close(sandbox: string): void {
    for (const log of this.open.get(sandbox)?.values() ?? []) fs.closeSync(log.fd);
    this.open.delete(sandbox);
  }

  /** Removes the lab's logs, with the lab. */
  remove(sandbox: string): void {
    this.close(sandbox);
    fs.rmSync(sandboxDir(this.dir, sandbox), { recursive: true, force: true });
  }

  private logOf(sandbox: string, node: string): { fd: number; bytes: number } {
    const logs = this.open.get(sandbox) ?? new Map<string, { fd: number; bytes: number }>();
    this.open.set(sandbox, logs);
    let log = logs.get(node);
    if (!log) {
      const file = nodeFile(this.dir, sandbox, node, ".log");
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const fd = fs.openSync(file, "a", 0o600);
      log = { fd, bytes: fs.fstatSync(fd).size };
      logs.set(node, log);
    }
    return log;
  }
}

const escaped = (text: string) => text.replace(/[\\\n\t\r]/g, (c) => ({ "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r" })[c]!);

function formatLine(ms: number, report: CommandReport): string {
  return `${ms}\t${escaped(report.step)}\t${report.exitCode}\t${escaped(report.command)}\n`;
}

/** Lines as formatLine writes them; malformed lines (the first of a tail read mid-file) are skipped. */
export function parseCommandLog(text: string): RecordedCommand[] {
  const commands: RecordedCommand[] = [];
  for (const line of text.split("\n")) {
    const [ms, step, status, ...rest] = line.split("\t");
    if (!/^\d{1,15}$/.test(ms ?? "") || !/^\d{1,3}$/.test(status ?? "") || !rest.length) continue;
    const unescaped = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c));
    commands.push({ at: new Date(Number(ms)).toISOString(), step: unescaped(step!), exitCode: Number(status), command: unescaped(rest.join("\t")) });
  }
  return commands;
}

function readTail(file: string): string {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    const read = fs.readSync(fd, buffer, 0, length, size - length);
    const text = buffer.subarray(0, read).toString("utf8");
    return length < size ? text.slice(text.indexOf("\n") + 1) : text;
  } finally {
    fs.closeSync(fd);
  }
}
