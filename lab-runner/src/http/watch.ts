import type { WebSocket } from "ws";
import { idPath, Refusal, SANDBOX_ID, verifyViewerToken, WATCH_TOKEN } from "@dockyard/contract/server";
import type { LabManager } from "../labs";
import type { TerminalSession, TerminalWatcher } from "../terminal/session";
import { parseClientMessage } from "./protocol";
import { control, refuse } from "./sockets";
import { SOCKET_LIMITS, type SocketLimits } from "./socketLimits";

// WS /sandboxes/:id/watch?node=&token=<watch token>: a read-only live view of one node's terminal, for whoever
// the site gave a watch token (a grader, or the learner themself). It gets "ready", the terminal's size, the
// recent output, then live output, and acknowledges what it rendered like the terminal does. Nothing it sends
// reaches the shell; a view that falls behind is disconnected rather than slowing the learner's shell down.

export const WATCH_PATH = idPath`/sandboxes/${SANDBOX_ID}/watch`;

export async function openWatch(ws: WebSocket, url: URL, id: string, labs: LabManager, secret: string, limits: SocketLimits): Promise<void> {
  let session: TerminalSession;
  try {
    const claims = verifyViewerToken(secret, WATCH_TOKEN, url.searchParams.get("token"), id);
    session = await labs.liveSession(id, claims.lesson, url.searchParams.get("node"));
  } catch (e) {
    return refuse(ws, Refusal.from(e, "not_found"));
  }
  if (ws.readyState !== ws.OPEN) return;
  const release = limits.acquire(`watch ${id}`, SOCKET_LIMITS.watchersPerLab);
  if (!release) return refuse(ws, new Refusal("too_many_watchers", `This lab already has ${SOCKET_LIMITS.watchersPerLab} live views open; close one first.`));
  ws.on("close", release);

  control(ws, { type: "ready" });
  const watcher: TerminalWatcher = {
    output: (data) => ws.readyState === ws.OPEN && ws.send(data),
    control: (m) => control(ws, m),
    disconnect: (reason) => refuse(ws, new Refusal(reason)),
  };
  ws.on("close", session.watch(watcher));
  ws.on("message", (raw, isBinary) => {
    const parsed = isBinary ? undefined : parseClientMessage(raw.toString());
    if (parsed?.ok && parsed.message.type === "ack") return session.ackWatcher(watcher, parsed.message.bytes);
    control(ws, { type: "error", code: "read_only", message: new Refusal("read_only").message });
  });
}
