import type { OutboxMessage } from "../../_generated/prisma/client";
import { sendWebhook } from "../webhooks/send";

// Who sends each kind of outbox message. A sender makes one attempt and says how it went; the worker keeps the
// record and decides when to try again.

/** How one attempt went. */
export interface SendOutcome {
  /** The server took it: the message is delivered. */
  accepted: boolean;
  /** The HTTP status, if an answer came. */
  status?: number;
  /** The start of the answer's body, or in plain words why none came. */
  response: string;
  /** Retrying cannot help (the target is gone or disabled, the address is refused): stop now. */
  abandon?: boolean;
}

export type Sender = (message: OutboxMessage) => Promise<SendOutcome>;

export const SENDERS: Record<string, Sender> = {
  webhook: sendWebhook,
};
