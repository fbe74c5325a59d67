import crypto from "node:crypto";
import type { Prisma } from "../../_generated/prisma/client";

// The outbox's way in: work for another server (a webhook delivery, a score for an LMS) is written as an
// OutboxMessage in the same transaction as the change it reports, so it exists exactly when that change does. The
// worker (worker.ts) sends it later, and again until the server accepts it.

/** A transaction's client, or the database client itself (db) outside one. */
export type Queryable = Prisma.TransactionClient;

export interface OutboxEntry {
  /** Which sender sends it (a key of SENDERS, senders.ts). */
  kind: string;
  /** Whom it is for: a WebhookEndpoint's id, an LtiScore's "<assignmentId>/<learnerId>". */
  target: string;
  /** The event type, or what the message is ("score"). */
  topic: string;
  /** The body, stored as JSON and sent as it is. */
  payload: object;
}

/** A new message id; for webhooks also the delivery's webhook-id (Standard Webhooks' "msg_…"). */
export const newMessageId = () => `msg_${crypto.randomBytes(18).toString("base64url")}`;

/** Queues a message, due now; returns its id. */
export async function enqueue(tx: Queryable, entry: OutboxEntry): Promise<string> {
  const id = newMessageId();
  await tx.outboxMessage.create({ data: { id, kind: entry.kind, target: entry.target, topic: entry.topic, payload: JSON.stringify(entry.payload) } });
  return id;
}

/** "Retry now": the message is due at once; an abandoned one starts a new round of attempts. Not a delivered one. */
export async function resendNow(tx: Queryable, id: string, now = new Date()): Promise<boolean> {
  const pending = await tx.outboxMessage.updateMany({ where: { id, deliveredAt: null, abandonedAt: null }, data: { nextAttemptAt: now } });
  if (pending.count === 1) return true;
  const abandoned = await tx.outboxMessage.updateMany({
    where: { id, deliveredAt: null, abandonedAt: { not: null } },
    data: { nextAttemptAt: now, abandonedAt: null, attempts: 0 },
  });
  return abandoned.count === 1;
}
