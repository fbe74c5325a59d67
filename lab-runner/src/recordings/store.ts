import fs from "node:fs";
import { idPath, NODE_NAME, type RecordingInfo } from "@dockyard/contract";
import { nodeFile, sandboxDir } from "./node-files";
import { AsciicastWriter } from "./writer";

// Where recordings live: <dir>/<sandbox id>/<node>.cast, one asciicast v2 file per node of a lab, continued
// by every shell that node's terminal runs, across lab-runner restarts and even after the lab is removed and
// started again (the sandbox id is the learner's and the lesson's). Recordings are evidence for graders: the
// lab-runner never deletes them.

const FILE = idPath`${NODE_NAME}\.cast`;

export class Recordings {
  /** Per sandbox, per node: the writers in use (each holds its file open). */
  private readonly writers = new Map<string, Map<string, AsciicastWriter>>();

  constructor(
    private readonly dir: string,
    private readonly options: { maxBytes: number; now?: () => number },
  ) {}

  /** The recorder of one node's terminal. */
  recorder(sandbox: string, node: string): AsciicastWriter {
    const writers = this.writers.get(sandbox) ?? new Map<string, AsciicastWriter>();
    this.writers.set(sandbox, writers);
    let writer = writers.get(node);
    if (!writer) {
      writer = new AsciicastWriter(nodeFile(this.dir, sandbox, node, ".cast"), { ...this.options, title: `${node} of ${sandbox}` });
      writers.set(node, writer);
    }
    return writer;
  }

  /** A marker in the recording of every node of the lab that is recorded, so each can be sought to it. */
  mark(sandbox: string, label: string): void {
    const nodes = new Set([...(this.writers.get(sandbox)?.keys() ?? []), ...this.list(sandbox).map((r) => r.node)]);
    for (const node of nodes) this.recorder(sandbox, node).marker(label);
  }

  /** The lab's recordings, by node. */
  list(sandbox: string): RecordingInfo[] {
    let names: string[];
    try {
      names = fs.readdirSync(sandboxDir(this.dir, sandbox));
    } catch {
      return [];
    }
    return names
      .map((name) => name.match(FILE)?.[1])
      .filter((node): node is string => node !== undefined)
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
      .map((node) => {
        const stat = fs.statSync(nodeFile(this.dir, sandbox, node, ".cast"));
        return { node, bytes: stat.size, updatedAt: stat.mtime.toISOString() };
      });
  }

  /** The file of a node's recording, if there is one. */
  file(sandbox: string, node: string): string | undefined {
    const file = nodeFile(this.dir, sandbox, node, ".cast");
    return fs.existsSync(file) ? file : undefined;
  }

  /** Releases a lab's files (its recordings stay). */
  close(sandbox: string): void {
    for (const writer of this.writers.get(sandbox)?.values() ?? []) writer.close();
    this.writers.delete(sandbox);
  }
}
