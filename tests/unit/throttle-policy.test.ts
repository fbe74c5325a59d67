import { test } from "node:test";
import assert from "node:assert/strict";
import { counted, current, succeeded, uncounted, waitAfter, waitSeconds, type Counter, type ThrottleRule } from "../../app/_lib/throttlePolicy";

// The limits' policy on a fake clock: free attempts, then waits doubling up to a cap, refusals while waiting,
// what a success does, and forgetting.

const rule = (onSuccess: ThrottleRule["onSuccess"]): ThrottleRule => ({ free: 3, firstWaitMs: 1000, maxWaitMs: 8000, forgetMs: 60_000, onSuccess });
const T0 = new Date("2026-12-06T04:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

/** `n` attempts on one counter, each at the earliest moment it may: the waits they set, in seconds. */
function attempts(n: number, r: ThrottleRule, start = current(undefined, T0)): { counter: Counter; waits: number[]; now: Date } {
  let counter = start;
  let now = T0;
  const waits: number[] = [];
  for (let i = 0; i < n; i++) {
    now = counter.lockedUntil && counter.lockedUntil > now ? counter.lockedUntil : now;
    assert.equal(waitSeconds(counter, now), 0);
    counter = counted(counter, r, now);
    waits.push(waitSeconds(counter, now));
  }
  return { counter, waits, now };
}

test("the free attempts set no wait; each one beyond doubles the wait, up to the cap", () => {
  assert.deepEqual(attempts(8, rule("reset")).waits, [0, 0, 0, 1, 2, 4, 8, 8]);
  assert.deepEqual(
    [0, 3, 4, 5, 6, 7, 1000].map((n) => waitAfter(n, rule("reset"))),
    [0, 0, 1000, 2000, 4000, 8000, 8000],
  );
});

test("while a key waits it says how many whole seconds are left, then may try again", () => {
  const { counter, now } = attempts(5, rule("reset")); // the 5th set a wait of 2 s
  assert.equal(waitSeconds(counter, now), 2);
  assert.equal(waitSeconds(counter, at(now.getTime() - T0.getTime() + 1)), 2, "1.999 s is still 2 s");
  assert.equal(waitSeconds(counter, at(now.getTime() - T0.getTime() + 1000)), 1);
  assert.equal(waitSeconds(counter, at(now.getTime() - T0.getTime() + 2000)), 0);
});

test("a success resets an account's count, takes itself back from an address's sign-ins, stays counted for sign-ups", () => {
  const { counter, now } = attempts(4, rule("reset"));
  assert.equal(succeeded(counter, rule("reset"), now)!.count, 0);
  assert.equal(waitSeconds(succeeded(counter, rule("reset"), now)!, now), 0);
  assert.equal(succeeded(counter, rule("keep"), now), undefined, "nothing to write");

  const forgiven = succeeded(counter, rule("forgive"), now)!;
  assert.equal(forgiven.count, 3);
  assert.equal(waitSeconds(forgiven, now), 0, "back within the free attempts, the wait the success set goes too");
  const { counter: many, now: later } = attempts(6, rule("forgive"));
  const stillWaiting = uncounted(many, rule("forgive"), later);
  assert.equal(stillWaiting.count, 5);
  assert.equal(waitSeconds(stillWaiting, later), waitSeconds(many, later), "beyond them, earlier failures earned the wait");
});

test("a counter is forgotten once quiet for the forget time after its last attempt and its wait", () => {
  const { counter, now } = attempts(6, rule("reset")); // the 6th set a wait of 4 s
  const waitEnds = now.getTime() - T0.getTime() + 4000;
  assert.equal(current(counter, at(waitEnds + 59_999)).count, 6);
  assert.equal(current(counter, at(waitEnds + 60_000)).count, 0);
  assert.deepEqual(attempts(1, rule("reset"), current(counter, at(waitEnds + 60_000))).waits, [0], "free again");
  assert.equal(current(undefined, T0).count, 0);
  assert.equal(current(null, T0).count, 0);
});
