// When the outbox tries a message again after a failed attempt: exponential back-off with a cap, and a limit.

export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
}

/** The wait after the attempts-th failed attempt (1 for the first): the first delay, doubled for each further one, capped. */
export const retryDelayMs = (attempts: number, policy: RetryPolicy) => Math.min(policy.firstDelayMs * 2 ** Math.max(0, attempts - 1), policy.maxDelayMs);

/** After a failed attempt, the number `attempts` of them: when to try again, or undefined to give up. */
export function nextAttempt(attempts: number, now: Date, policy: RetryPolicy): Date | undefined {
  if (attempts >= policy.maxAttempts) return undefined;
  return new Date(now.getTime() + retryDelayMs(attempts, policy));
}
