import { z } from "zod";
import { STEP_ID, TERMINAL_LIMITS, type ClientMessage } from "@dockyard/contract";

// Validation of what browsers send over the terminal socket. Bad messages are answered with an error and
// change nothing.

const clientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("input"), data: z.string() }).strict(),
  z.object({ type: z.literal("resize"), cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) }).strict(),
  z
    .object({
      type: z.literal("ack"),
      bytes: z
        .number()
        .int()
        .min(0)
        .max(64 * 1024 * 1024),
    })
    .strict(),
  z.object({ type: z.literal("step"), step: z.string().regex(STEP_ID, "a step id is 1–64 lowercase letters, digits and dashes") }).strict(),
]);

export type Parsed = { ok: true; message: ClientMessage } | { ok: false; code: string; message: string };

export function parseClientMessage(raw: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: "bad_message", message: "Terminal message is not JSON." };
  }
  const parsed = clientMessage.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "message"}: ${i.message}`).join("; ");
    return { ok: false, code: "bad_message", message: `Terminal message refused (${detail}).` };
  }
  const message = parsed.data as ClientMessage;
  if (message.type === "input" && Buffer.byteLength(message.data) > TERMINAL_LIMITS.maxInputBytes) {
    const kib = Math.ceil(Buffer.byteLength(message.data) / 1024);
    return {
      ok: false,
      code: "input_too_large",
      message: `That paste is ${kib} KiB; the limit is ${TERMINAL_LIMITS.maxInputBytes / 1024} KiB per paste. Nothing was typed. Paste it in smaller parts, or write a file with the editor.`,
    };
  }
  return { ok: true, message };
}
