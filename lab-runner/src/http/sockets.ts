import type { WebSocket } from "ws";
import type { TokenRejected } from "../auth/tokens";
import { CLOSE_CODES, type ServerMessage } from "../shared/types";

// What the terminal and watch sockets say besides output: JSON control messages, and refusals that explain
// themselves in an error message before the socket closes.

export const control = (ws: WebSocket, message: ServerMessage) => {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
};

export function refuse(ws: WebSocket, code: number, error: string, message: string): void {
  control(ws, { type: "error", code: error, message });
  ws.close(code, closeReason(message));
}

/** A close reason is limited to 123 bytes (of UTF-8: “quotes” take three). */
function closeReason(message: string): string {
  let reason = message;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

export function refuseToken(ws: WebSocket, rejected: TokenRejected): void {
  const wrongSandbox = rejected.reason === "wrong_sandbox";
  refuse(ws, wrongSandbox ? CLOSE_CODES.forbidden : CLOSE_CODES.unauthorized, wrongSandbox ? "forbidden" : "unauthorized", rejected.message);
}
