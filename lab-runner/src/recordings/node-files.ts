import path from "node:path";
import { isNodeName, isSandboxId } from "@dockyard/contract";

// Where the host keeps a file per node of a sandbox (its recording, its command log): <root>/<sandbox>/<node><ext>.
// The ids become path segments, so anything but a sandbox id and a node name is refused before it can name a path.

export function sandboxDir(root: string, sandbox: string): string {
  if (!isSandboxId(sandbox)) throw new Error(`not a sandbox id: ${JSON.stringify(sandbox)}`);
  return path.join(root, sandbox);
}

export function nodeFile(root: string, sandbox: string, node: string, extension: string): string {
  if (!isNodeName(node)) throw new Error(`not a node name: ${JSON.stringify(node)}`);
  return path.join(sandboxDir(root, sandbox), `${node}${extension}`);
}
