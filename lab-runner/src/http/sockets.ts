import type { WebSocket } from "ws";
import { Refusal, TokenRejected, type ServerMessage } from "@dockyard/contract/server";

// What the terminal and watch sockets say besides output: JSON control messages, and refusals that explain
// themselves in an error message before the socket closes.

export const control = (ws: WebSocket, message: ServerMessage) => {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
};

/**
 * Tells the refusal, then closes the socket with its close code (REFUSALS). A refused token is told as
 * `unauthorized`, or `forbidden` when it is another sandbox's, in its own words: the page only needs to know
 * whether a fresh token may help (HTTP routes answer the token's precise fault).
 */
export function refuse(ws: WebSocket, refusal: Refusal): void {
  const told = refusal instanceof TokenRejected ? new Refusal(refusal.reason === "wrong_sandbox" ? "forbidden" : "unauthorized", refusal.message) : refusal;
  control(ws, { type: "error", code: told.code, message: told.message });
  ws.close(told.closeCode, closeReason(told.message));
}

/** A close reason is limited to 123 bytes (of UTF-8: “quotes” take three). */
function closeReason(message: string): string {
  let reason = message;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}
