import fs from "node:fs";
import type http from "node:http";
import { pipeline } from "node:stream";
import type { Recordings } from "../recordings/store";
import { idPath, isNodeName, Refusal, SANDBOX_ID } from "@dockyard/contract";

// The recordings of a lab's terminals, for whoever the site gave a recording token for that sandbox (the
// learner themself, or a grader). They outlive the lab, so nothing here asks whether it runs.
//
//   GET /recordings/:sandbox              { sandbox, lesson, recordings: [{ node, bytes, updatedAt }] }
//   GET /recordings/:sandbox?node=node1   that node's recording, an asciicast v2 file

export const RECORDINGS_PATH = idPath`/recordings/${SANDBOX_ID}`;

export function sendRecording(recordings: Recordings, res: http.ServerResponse, sandbox: string, node: string): void {
  if (!isNodeName(node)) throw new Refusal("bad_node", `“${node}” is not a node name; nodes are named node1, node2…`);
  const file = recordings.file(sandbox, node);
  if (!file) throw new Refusal("no_recording", `There is no recording of ${node} of this lab yet: it starts when that node's terminal opens.`);
  // Lines are appended synchronously by this process, so the size now ends on a complete line; whatever is
  // appended while the file streams is left for the next request.
  const { size } = fs.statSync(file);
  res.writeHead(200, {
    "content-type": "application/x-asciicast; charset=utf-8",
    "content-length": size,
    "content-disposition": `inline; filename="${sandbox}-${node}.cast"`,
    "cache-control": "no-store",
  });
  if (!size) return void res.end();
  pipeline(fs.createReadStream(file, { end: size - 1 }), res, () => {});
}
