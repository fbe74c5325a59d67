import type { OutboxMessage } from "../../_generated/prisma/client";

// What a sender of outbox messages answers (senders.ts names one per kind; the worker keeps the record).

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
