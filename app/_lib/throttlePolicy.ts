// The policy of the sign-in and sign-up limits, as pure functions of a key's counter and the time (app/_lib/throttle.ts
// keeps the counters in the database). A key may make `free` attempts; each one beyond them makes the key wait, first
// `firstWaitMs`, then twice as long with every further one, up to `maxWaitMs`. While it waits, every attempt is
// refused without being looked at (the right password too) and without counting. A counter quiet for `forgetMs`
// (after its last attempt and the wait it set) is forgotten.
//
// An attempt counts when it starts, before the password is checked, so attempts made at the same moment all count
// (beyond the free ones, only one at a time gets through). When it turns out to have succeeded, the key's rule says
// what becomes of it.

export interface ThrottleRule {
  free: number;
  firstWaitMs: number;
  maxWaitMs: number;
  forgetMs: number;
  /**
   * What an attempt that succeeded does to its count: starts the count over (an account signed in), takes itself
   * back (an address's sign-ins count only failures), or stays counted (an address's sign-ups count every one).
   */
  onSuccess: "reset" | "forgive" | "keep";
}

export interface Counter {
  count: number;
  lockedUntil: Date | null;
  /** When the counter is forgotten. */
  expiresAt: Date;
}

const unused = (now: Date): Counter => ({ count: 0, lockedUntil: null, expiresAt: now });

/** The counter as it stands now: one forgotten (or never made) is unused. */
export const current = (counter: Counter | null | undefined, now: Date): Counter => (counter && counter.expiresAt > now ? counter : unused(now));

/** How many whole seconds the key must still wait (0: it may try now). */
export function waitSeconds(counter: Counter, now: Date): number {
  const left = (counter.lockedUntil?.getTime() ?? 0) - now.getTime();
  return left > 0 ? Math.ceil(left / 1000) : 0;
}

/** The wait the `count`th attempt sets: none within the free ones, then doubling from the first wait up to the cap. */
export function waitAfter(count: number, rule: ThrottleRule): number {
  const beyond = count - rule.free;
  if (beyond <= 0) return 0;
  return Math.min(rule.maxWaitMs, rule.firstWaitMs * 2 ** Math.min(beyond - 1, 40));
}

function withCount(count: number, lockedUntil: Date | null, rule: ThrottleRule, now: Date): Counter {
  const quietFrom = lockedUntil && lockedUntil > now ? lockedUntil : now;
  return { count, lockedUntil, expiresAt: new Date(quietFrom.getTime() + rule.forgetMs) };
}

/** The counter after one more attempt starts (the caller has checked the key need not wait). */
export function counted(counter: Counter, rule: ThrottleRule, now: Date): Counter {
  const count = counter.count + 1;
  const wait = waitAfter(count, rule);
  return withCount(count, wait > 0 ? new Date(now.getTime() + wait) : null, rule, now);
}

/** The counter after an attempt it counted succeeded; undefined when it stays as it is. */
export function succeeded(counter: Counter, rule: ThrottleRule, now: Date): Counter | undefined {
  if (rule.onSuccess === "keep") return undefined;
  if (rule.onSuccess === "reset") return unused(now);
  return uncounted(counter, rule, now);
}

/**
 * The counter with one attempt taken back: a success of an address's sign-in, or an attempt refused by another key.
 * Back within the free attempts, the wait the attempt set goes too; beyond them, earlier failures earned the wait.
 */
export function uncounted(counter: Counter, rule: ThrottleRule, now: Date): Counter {
  const count = Math.max(0, counter.count - 1);
  return withCount(count, count <= rule.free ? null : counter.lockedUntil, rule, now);
}
