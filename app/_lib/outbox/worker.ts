import { outboxPolicy } from "@dockyard/contract/server";
import type { OutboxMessage } from "../../_generated/prisma/client";
import { db } from "../db";
import { nextAttempt } from "./retry";
import { SENDERS } from "./senders";
import type { SendOutcome } from "./outcome";

// Sends the outbox's due messages: each site process runs one worker (instrumentation.ts starts it), and any number
// of them may share a database. A worker claims a message by leasing it (one conditional update: only one claimer's
// condition holds, on SQLite and PostgreSQL alike), sends it, and records how it went; a worker that dies holding a
// lease lets the message go when the lease passes. When a worker dies after the server accepted a message but before it
// recorded that, the message is sent again, with the same id, which is why receivers drop repeats by it: at least
// once, never lost.

/** Longer than any one attempt takes (senders time out after 15 s), so no other worker takes a message being sent. */
const LEASE_MS = 60_000;
/** Messages one worker claims at once, and sends together. */
const BATCH = 20;
/** What the log keeps of an answer. */
const RESPONSE_KEPT = 1000;

export type Clock = () => Date;
const systemClock: Clock = () => new Date();

const due = (now: Date) => ({
  deliveredAt: null,
  abandonedAt: null,
  nextAttemptAt: { lte: now },
  OR: [{ leasedUntil: null }, { leasedUntil: { lt: now } }],
});

interface Claimed {
  message: OutboxMessage;
  lease: Date;
}

/** Leases up to `limit` due messages, oldest due first, for this worker. */
export async function claim(now: Date, limit = BATCH): Promise<Claimed[]> {
  const candidates = await db.outboxMessage.findMany({ where: due(now), orderBy: { nextAttemptAt: "asc" }, take: limit });
  const lease = new Date(now.getTime() + LEASE_MS);
  const claimed: Claimed[] = [];
  for (const message of candidates) {
    // Still due and unleased at the moment of the write: another worker that got there first makes this count 0.
    const { count } = await db.outboxMessage.updateMany({ where: { id: message.id, ...due(now) }, data: { leasedUntil: lease } });
    if (count === 1) claimed.push({ message: { ...message, leasedUntil: lease }, lease });
  }
  return claimed;
}

async function send(message: OutboxMessage): Promise<SendOutcome> {
  const sender = SENDERS[message.kind];
  if (!sender) return { accepted: false, response: `Nothing sends messages of kind "${message.kind}".`, abandon: true };
  try {
    return await sender(message);
  } catch (e) {
    return { accepted: false, response: `Sending failed: ${(e as Error).message}` };
  }
}

/** One attempt at a claimed message, recorded only while this worker still holds its lease. */
async function attempt({ message, lease }: Claimed, clock: Clock): Promise<void> {
  const outcome = await send(message);
  const at = clock();
  const attempts = message.attempts + 1;
  const record = {
    attempts,
    lastAttemptAt: at,
    lastStatus: outcome.status ?? null,
    lastResponse: outcome.response.slice(0, RESPONSE_KEPT),
    leasedUntil: null,
  };
  const retryAt = outcome.accepted || outcome.abandon ? undefined : nextAttempt(attempts, at, outboxPolicy());
  const data = outcome.accepted ? { ...record, deliveredAt: at } : retryAt ? { ...record, nextAttemptAt: retryAt } : { ...record, abandonedAt: at };
  await db.outboxMessage.updateMany({ where: { id: message.id, leasedUntil: lease }, data });
}

/** Claims a batch of due messages and makes one attempt at each; returns how many it claimed. */
async function pass(clock: Clock): Promise<number> {
  const claimed = await claim(clock());
  await Promise.all(claimed.map((c) => attempt(c, clock)));
  return claimed.length;
}

/** Sends until nothing is due at the clock's time (tests; the worker does the same in the background); returns the attempts made. */
export async function drain(clock: Clock = systemClock): Promise<number> {
  let attempts = 0;
  for (let n = await pass(clock); n > 0; n = await pass(clock)) attempts += n;
  return attempts;
}

/** Deletes the messages delivered or abandoned longer ago than the policy keeps them; returns how many. */
export async function prune(now: Date): Promise<number> {
  const before = new Date(now.getTime() - outboxPolicy().keepMs);
  const { count } = await db.outboxMessage.deleteMany({ where: { OR: [{ deliveredAt: { lt: before } }, { abandonedAt: { lt: before } }] } });
  return count;
}

/** How often a worker prunes: the log is kept for days, so hourly is plenty. */
const PRUNE_EVERY_MS = 3_600_000;
const globalForOutbox = globalThis as unknown as { outboxStarted?: boolean };

/** Starts this process's worker (once, even across dev hot reloads): it drains, then looks again every poll interval, and prunes hourly. */
export function startOutbox(): void {
  if (globalForOutbox.outboxStarted) return;
  globalForOutbox.outboxStarted = true;
  let prunedAt = 0;
  const loop = async () => {
    try {
      await drain();
      if (Date.now() - prunedAt >= PRUNE_EVERY_MS) {
        prunedAt = Date.now();
        await prune(new Date());
      }
    } catch (e) {
      console.error("outbox: sending failed, trying again later:", e);
    }
    setTimeout(loop, outboxPolicy().pollMs).unref();
  };
  void loop();
}
