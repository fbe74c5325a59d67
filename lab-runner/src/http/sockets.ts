import type { WebSocket } from "ws";
import type { Refusal, ServerMessage } from "@dockyard/contract";

// What the terminal and watch sockets say besides output: JSON control messages, and refusals that explain
// themselves in an error message before the socket closes.

export const control = (ws: WebSocket, message: ServerMessage) => {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
};

/** Tells the refusal, then closes the socket with its close code (REFUSALS). */
export function refuse(ws: WebSocket, refusal: Refusal): void {
  control(ws, { type: "error", code: refusal.code, message: refusal.message });
  ws.close(refusal.closeCode, closeReason(refusal.message));
}

/** A close reason is limited to 123 bytes (of UTF-8: “quotes” take three). */
function closeReason(message: string): string {
  let reason = message;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

