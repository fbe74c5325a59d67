import type http from "node:http";
import { type LabClaims, FILE_LIMITS, Refusal, type DirectoryEntry, type FileContent, type FileListing } from "@dockyard/contract/server";
import type { LabManager } from "../labs";
import type { LabNode } from "../labs/lab-node";

// The editor's file routes: read, write and list files inside a node of the learner's sandbox. Every
// operation runs in the sandbox as its root (driver exec), so a path like /root/../etc/passwd names a file of
// the learner's own machine and never one of the host.
//
//   GET /sandboxes/:id/files?path=&node=       the file's text
//   PUT /sandboxes/:id/files?path=&node=       body: the new text (parent directories are created)
//   GET /sandboxes/:id/files/list?path=&node=  the directory's entries

const EXEC_TIMEOUT_MS = 15_000;
const MAX_ENTRIES = 1000;

// Exit codes of the scripts below, each with the refusal it means.
const REFUSALS: Record<number, (path: string) => Refusal> = {
  10: (p) => new Refusal("not_found", `There is no file or directory at ${p}.`),
  11: (p) => new Refusal("is_directory", `${p} is a directory; give the path of a file in it.`),
  12: (p) => new Refusal("not_regular_file", `${p} is not a regular file (a device, socket or pipe), so it cannot be edited.`),
  13: (p) => new Refusal("not_directory", `${p} is not a directory.`),
  14: (p) => new Refusal("too_large", `${p} is over ${FILE_LIMITS.maxBytes / 1024 / 1024} MiB, too large for the editor; use the terminal.`),
};

const READ = `set -o pipefail
[ -e "$1" ] || exit 10
[ -d "$1" ] && exit 11
[ -f "$1" ] || exit 12
[ "$(stat -L -c %s -- "$1")" -le "$2" ] || exit 14
head -c "$(($2 + 1))" -- "$1" | base64 -w 0`;

const WRITE = `[ -d "$1" ] && exit 11
[ -e "$1" ] && [ ! -f "$1" ] && exit 12
mkdir -p -- "$(dirname -- "$1")" && cat >"$1"`;

const LIST = `[ -e "$1" ] || exit 10
[ -d "$1" ] || exit 13
find "$1" -mindepth 1 -maxdepth 1 -printf '%Y\\t%s\\t%f\\0' | head -z -n "$2"`;

// find's %Y: the type a symlink points to, so a link to a directory opens like one.
const ENTRY_TYPES: Record<string, DirectoryEntry["type"]> = { f: "file", d: "directory" };

/** Answers a /files route, or throws the Refusal to answer with. */
export async function fileRoute(
  labs: LabManager,
  claims: LabClaims,
  req: http.IncomingMessage,
  url: URL,
  list: boolean,
): Promise<FileContent | FileListing | { path: string; size: number }> {
  const path = sandboxPath(url.searchParams.get("path"));
  const node = await labs.node(claims.sandbox, claims.lesson, url.searchParams.get("node"));
  if (list) {
    if (req.method !== "GET") throw new Refusal("method_not_allowed", `${req.method} is not allowed here.`);
    return listDirectory(node, path);
  }
  if (req.method === "GET") return readFile(node, path);
  if (req.method === "PUT") return writeFile(node, path, await readText(req));
  throw new Refusal("method_not_allowed", `${req.method} is not allowed here.`);
}

function sandboxPath(raw: string | null): string {
  if (!raw) throw new Refusal("bad_path", "Give the file's path, e.g. ?path=/root/Dockerfile.");
  if (raw.includes("\0")) throw new Refusal("bad_path", "A path cannot contain a NUL character.");
  if (!raw.startsWith("/")) throw new Refusal("bad_path", `The path must be absolute (start with /), e.g. /root/${raw}.`);
  if (raw.length > FILE_LIMITS.maxPathLength) throw new Refusal("bad_path", `The path is over ${FILE_LIMITS.maxPathLength} characters.`);
  return raw;
}

async function run(node: LabNode, script: string, args: string[], path: string, stdin?: string): Promise<string> {
  const { exitCode, output } = await node.exec(["bash", "-c", script, "bash", ...args], { timeoutMs: EXEC_TIMEOUT_MS, stdin });
  if (exitCode === 0) return output;
  const refusal = REFUSALS[exitCode];
  if (refusal) throw refusal(path);
  // Any other failure is the sandbox refusing this path (permission denied, read-only, a file where a directory
  // should be…): the learner's to fix, so a 4xx that passes on the sandbox's own words, not a server error.
  throw new Refusal("file_error", `The sandbox could not do that with ${path}: ${output.trim() || `exit code ${exitCode}`}`);
}

async function readFile(node: LabNode, path: string): Promise<FileContent> {
  const bytes = Buffer.from(await run(node, READ, [path, String(FILE_LIMITS.maxBytes)], path), "base64");
  if (bytes.length > FILE_LIMITS.maxBytes) throw REFUSALS[14]!(path); // it grew while we read it
  if (bytes.includes(0)) throw binary(path);
  try {
    return { path, content: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    throw binary(path);
  }
}

const binary = (path: string) => new Refusal("binary", `${path} is not a text file (it is binary or not UTF-8), so the editor cannot open it.`);

async function writeFile(node: LabNode, path: string, content: string): Promise<{ path: string; size: number }> {
  await run(node, WRITE, [path], path, content);
  return { path, size: Buffer.byteLength(content) };
}

async function listDirectory(node: LabNode, path: string): Promise<FileListing> {
  const output = await run(node, LIST, [path, String(MAX_ENTRIES)], path);
  const entries = output
    .split("\0")
    .filter(Boolean)
    .map((line): DirectoryEntry => {
      const [type = "", size = "0", ...name] = line.split("\t");
      return { name: name.join("\t"), type: ENTRY_TYPES[type] ?? "other", size: Number(size) };
    })
    .sort((a, b) => Number(b.type === "directory") - Number(a.type === "directory") || a.name.localeCompare(b.name));
  return { path, entries };
}

/** The request body as UTF-8 text, refused over the editor's file size limit. */
async function readText(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FILE_LIMITS.maxBytes)
      throw new Refusal("too_large", `The file is over ${FILE_LIMITS.maxBytes / 1024 / 1024} MiB; the editor saves files up to that size.`);
    chunks.push(chunk as Buffer);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new Refusal("not_text", "The file's content must be UTF-8 text.");
  }
}
