import type { WebSocket } from "ws";
import { TokenRejected, verifyViewerToken, WATCH_TOKEN } from "../auth/tokens";
import { LabError, type LabManager } from "../labs";
import { CLOSE_CODES } from "../shared/types";
import type { TerminalSession, TerminalWatcher } from "../terminal/session";
import { parseClientMessage } from "./protocol";
import { control, refuse, refuseToken } from "./sockets";
import { SOCKET_LIMITS, type SocketLimits } from "./socketLimits";

// WS /sandboxes/:id/watch?node=&token=<watch token>: a read-only live view of one node's terminal, for whoever
// the site gave a watch token (a grader, or the learner themself). It gets "ready", the terminal's size, the
// recent output, then live output, and acknowledges what it rendered like the terminal does. Nothing it sends
// reaches the shell; a view that falls behind is disconnected rather than slowing the learner's shell down.

export const WATCH_PATH = /^\/sandboxes\/([a-z0-9-]{1,64})\/watch$/;

const READ_ONLY = "This is a read-only live view: nothing typed here reaches the learner's terminal.";
const DISCONNECTS = {
  lagging: [CLOSE_CODES.lagging, "This live view fell too far behind the terminal and was disconnected; open it again to catch up."],
  ended: [CLOSE_CODES.ended, "The lab was removed, so its live view ended; its recording can still be replayed."],
} as const;

export async function openWatch(ws: WebSocket, url: URL, id: string, labs: LabManager, secret: string, limits: SocketLimits): Promise<void> {
  let session: TerminalSession;
  try {
    const claims = verifyViewerToken(secret, WATCH_TOKEN, url.searchParams.get("token"), id);
    session = await labs.liveSession(id, claims.lesson, url.searchParams.get("node"));
  } catch (e) {
    if (e instanceof TokenRejected) return refuseToken(ws, e);
    if (e instanceof LabError && e.code === "not_running") return refuse(ws, CLOSE_CODES.notRunning, e.code, e.message);
    return refuse(ws, CLOSE_CODES.notFound, e instanceof LabError ? e.code : "not_found", (e as Error).message);
  }
  if (ws.readyState !== ws.OPEN) return;
  const release = limits.acquire(`watch ${id}`, SOCKET_LIMITS.watchersPerLab);
  if (!release) return refuse(ws, CLOSE_CODES.tooMany, "too_many_watchers", `This lab already has ${SOCKET_LIMITS.watchersPerLab} live views open; close one first.`);
  ws.on("close", release);

  control(ws, { type: "ready" });
  const watcher: TerminalWatcher = {
    output: (data) => ws.readyState === ws.OPEN && ws.send(data),
    control: (m) => control(ws, m),
    disconnect: (reason) => refuse(ws, DISCONNECTS[reason][0], reason, DISCONNECTS[reason][1]),
  };
  ws.on("close", session.watch(watcher));
  ws.on("message", (raw, isBinary) => {
    const parsed = isBinary ? undefined : parseClientMessage(raw.toString());
    if (parsed?.ok && parsed.message.type === "ack") return session.ackWatcher(watcher, parsed.message.bytes);
    control(ws, { type: "error", code: "read_only", message: READ_ONLY });
  });
}
