import { authLimits } from "@dockyard/contract/server";
import { db, isUniqueViolation } from "./db";
import { counted, current, succeeded, uncounted, waitSeconds, type Counter, type ThrottleRule } from "./throttlePolicy";

// The sign-in and sign-up limits' counters, kept in the database (AuthThrottle): a restart forgets none, and every
// site process counts on the same ones. Each write is a compare-and-set on the row's version, so attempts made at
// the same moment, in one process or several, all count. The policy is in throttlePolicy.ts; what is limited, and
// why, in app/_actions/account.ts.

export interface ThrottleKey {
  key: string;
  rule: ThrottleRule;
}

function rule(free: number, onSuccess: ThrottleRule["onSuccess"]): ThrottleRule {
  const { firstWaitMs, maxWaitMs, forgetMs } = authLimits();
  return { free, onSuccess, firstWaitMs, maxWaitMs, forgetMs };
}

/** Failed attempts at one account (its normalized email, whether or not it has an account): signing in resets them. */
export const accountKey = (email: string): ThrottleKey => ({ key: `account:${email}`, rule: rule(authLimits().accountFailures, "reset") });
/** Failed sign-ins from one client address, whatever the accounts. */
export const signInKey = (address: string): ThrottleKey => ({ key: `signin:${address}`, rule: rule(authLimits().addressFailures, "forgive") });
/** Sign-ups from one client address, made or refused. */
export const signUpKey = (address: string): ThrottleKey => ({ key: `signup:${address}`, rule: rule(authLimits().addressSignUps, "keep") });

/** An attempt let through, counted on its keys. */
export interface Attempt {
  keys: ThrottleKey[];
  /** How long its keys wait should it fail (0: they may try again at once). */
  waitIfFailedSeconds: number;
}

export type Admission = { admitted: true; attempt: Attempt } | { admitted: false; waitSeconds: number };

const WRITE_TRIES = 20;

/** Writes what `change` makes of the key's counter (undefined: nothing), again from a fresh read if another write came first. */
async function update(key: string, now: Date, change: (counter: Counter) => Counter | undefined): Promise<{ before: Counter; after?: Counter }> {
  for (let i = 0; i < WRITE_TRIES; i++) {
    const row = await db.authThrottle.findUnique({ where: { key } });
    const before = current(row, now);
    const after = change(before);
    if (!after) return { before };
    const data = { count: after.count, lockedUntil: after.lockedUntil, expiresAt: after.expiresAt };
    if (!row) {
      try {
        await db.authThrottle.create({ data: { key, ...data } });
        return { before, after };
      } catch (e) {
        if (isUniqueViolation(e)) continue;
        throw e;
      }
    }
    const { count } = await db.authThrottle.updateMany({ where: { key, version: row.version }, data: { ...data, version: row.version + 1 } });
    if (count === 1) return { before, after };
  }
  throw new Error(`the attempt counter ${key} kept changing under ${WRITE_TRIES} writes`);
}

const SWEEP_EVERY_MS = 60_000;
let lastSweep = 0;

/** Deletes forgotten counters, at most once a minute per process. */
async function sweep(now: Date): Promise<void> {
  if (now.getTime() - lastSweep < SWEEP_EVERY_MS) return;
  lastSweep = now.getTime();
  await db.authThrottle.deleteMany({ where: { expiresAt: { lte: now } } });
}

/** Counts an attempt on every key, or refuses it (counting nothing) while any of them must wait. */
export async function admit(keys: ThrottleKey[], now = new Date()): Promise<Admission> {
  await sweep(now);
  const rows = await db.authThrottle.findMany({ where: { key: { in: keys.map((k) => k.key) } } });
  const waiting = Math.max(0, ...rows.map((row) => waitSeconds(current(row, now), now)));
  if (waiting > 0) return { admitted: false, waitSeconds: waiting };
  const after: Counter[] = [];
  for (const [i, key] of keys.entries()) {
    const counting = await update(key.key, now, (counter) => (waitSeconds(counter, now) > 0 ? undefined : counted(counter, key.rule, now)));
    if (!counting.after) {
      // An attempt at the same moment made this key wait since it was read: this one takes back what it counted.
      await Promise.all(keys.slice(0, i).map((k) => update(k.key, now, (counter) => uncounted(counter, k.rule, now))));
      return { admitted: false, waitSeconds: waitSeconds(counting.before, now) };
    }
    after.push(counting.after);
  }
  return { admitted: true, attempt: { keys, waitIfFailedSeconds: Math.max(0, ...after.map((counter) => waitSeconds(counter, now))) } };
}

/** The attempt succeeded: each key's count is reset, taken back or kept, as its rule says. A failure simply stays counted. */
export async function attemptSucceeded(attempt: Attempt, now = new Date()): Promise<void> {
  await Promise.all(attempt.keys.map((k) => update(k.key, now, (counter) => succeeded(counter, k.rule, now))));
}
