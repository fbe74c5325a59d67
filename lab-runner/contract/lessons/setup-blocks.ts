import path from "node:path";
import type { Code } from "mdast";
import { DEFAULT_NODE } from "../ids";
import { LessonError, type AuthoredFile, type LessonFile, type SetupScript } from "./schema";

// How a lesson prepares its lab: ```sh setup blocks (meta node=… and timeout=…) and frontmatter `files:`.
// The parser finds the blocks (before the first <Step>: the lesson's; inside one: that step's); this module reads
// their meta and resolves the files' targets, rejecting what names a node the lab lacks.

/** Seconds a setup block may run: timeout=<seconds> within these bounds, else the default. */
export const SETUP_TIMEOUT = { min: 1, max: 1800, default: 120 } as const;

/** Where a relative `files:` target lands on the node. */
export const FILES_HOME = "/root";

const lineOf = (node: { position?: { start: { line: number } } }) => node.position?.start.line;

export const isSetupBlock = (code: Code) => ["sh", "bash", "shell"].includes(code.lang ?? "") && (code.meta ?? "").split(/\s+/).includes("setup");

const unknownNode = (nodes: string[]) => `is not a node of this lab (it has ${nodes.join(", ")}; see frontmatter nodes)`;

/** A setup block as a script to run: `id` is "<owner>-<n>", n counting the owner's blocks from 1. */
export function parseSetupBlock(code: Code, owner: string, index: number, nodes: string[], file: string): SetupScript {
  const line = lineOf(code);
  let node = DEFAULT_NODE;
  let timeout: number = SETUP_TIMEOUT.default;
  for (const word of (code.meta ?? "").split(/\s+/).filter((w) => w && w !== "setup")) {
    const [key, value] = word.split("=", 2);
    if (key === "node" && value) {
      if (!nodes.includes(value)) throw new LessonError(file, line, `setup block: node=${value} ${unknownNode(nodes)}`);
      node = value;
    } else if (key === "timeout" && value !== undefined) {
      timeout = Number(value);
      if (!/^\d+$/.test(value) || timeout < SETUP_TIMEOUT.min || timeout > SETUP_TIMEOUT.max)
        throw new LessonError(file, line, `setup block: timeout=${value} must be a whole number of seconds from ${SETUP_TIMEOUT.min} to ${SETUP_TIMEOUT.max}`);
    } else throw new LessonError(file, line, `setup block: unknown option “${word}” (a setup block takes node=<node> and timeout=<seconds>)`);
  }
  if (!code.value.trim()) throw new LessonError(file, line, "setup block is empty");
  return { id: `${owner}-${index}`, node, timeout, script: code.value, ...(line !== undefined && { line }) };
}

/** Frontmatter `files:` with each target made absolute and each node checked against the lab's. */
export function resolveFiles(files: AuthoredFile[], nodes: string[], file: string, line: number | undefined): LessonFile[] {
  return files.map((f) => {
    const node = f.node ?? DEFAULT_NODE;
    if (!nodes.includes(node)) throw new LessonError(file, line, `invalid frontmatter: files: ${f.source}: node ${node} ${unknownNode(nodes)}`);
    const folder = f.target.endsWith("/");
    const absolute = path.posix.resolve(FILES_HOME, f.target);
    const target = folder ? path.posix.join(absolute, path.posix.basename(f.source)) : absolute;
    return { source: path.posix.normalize(f.source), target, node, ...(f.mode && { mode: f.mode }) };
  });
}
