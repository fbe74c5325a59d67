import { test } from "node:test";
import assert from "node:assert/strict";
import { nextAttempt, retryDelayMs } from "../../app/_lib/outbox/retry";

// The outbox's back-off: the first delay after the first failure, doubling, capped; abandoned after the limit.

const policy = { firstDelayMs: 30_000, maxDelayMs: 600_000, maxAttempts: 8 };

test("the wait doubles after each failure from the first delay, up to the cap", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, policy) / 1000),
    [30, 60, 120, 240, 480, 600, 600],
  );
});

test("the next attempt is that wait after the failed one, until the last attempt allowed, then none", () => {
  const now = new Date("2026-12-06T12:00:00Z");
  assert.equal(nextAttempt(1, now, policy)?.toISOString(), "2026-12-06T12:00:30.000Z");
  assert.equal(nextAttempt(3, now, policy)?.toISOString(), "2026-12-06T12:02:00.000Z");
  assert.equal(nextAttempt(7, now, policy)?.toISOString(), "2026-12-06T12:10:00.000Z");
  assert.equal(nextAttempt(8, now, policy), undefined);
});

test("the defaults retry for about a day and a half before abandoning", async () => {
  const { outboxPolicy } = await import("@dockyard/contract/server");
  const defaults = outboxPolicy();
  const waits = Array.from({ length: defaults.maxAttempts - 1 }, (_, i) => retryDelayMs(i + 1, defaults));
  const hours = waits.reduce((a, b) => a + b, 0) / 3_600_000;
  assert.ok(hours > 24 && hours < 48, `${hours} h`);
});
