import type { LabManager } from "../labs";

// The lab-runner's rounds: every so often the idle culler suspends idle labs, eviction removes the suspended
// labs that must go and the warm pool is topped up, and every 2 s the lookout asks
// whether the engine answers (terminals are told when that changes) and, while it does, tells learners the
// limits their labs ran into.

const LOOK_EVERY_MS = 2000;

/** Starts the rounds; returns what stops them. */
export function startRounds(labs: Pick<LabManager, "reap" | "evict" | "tendPool" | "watchEngine" | "tellLimits">, reapEveryMs: number): () => void {
  const reaper = setInterval(() => {
    labs
      .reap()
      .then((culled) => culled.length && console.log(`[lab-runner] suspended idle sandboxes (removed the dead ones among them): ${culled.join(", ")}`))
      .then(() => labs.evict())
      .then(
        (evicted) => evicted.length && console.log(`[lab-runner] removed suspended sandboxes: ${evicted.join(", ")}`),
        (e) => console.error("[lab-runner] reaping failed:", e),
      )
      .then(() => labs.tendPool());
  }, reapEveryMs);

  let looking = false; // one look at a time, however slow the engine answers
  const lookout = setInterval(() => {
    if (looking) return;
    looking = true;
    labs
      .watchEngine()
      .then((up) => (up ? labs.tellLimits() : undefined))
      .catch((e) => console.error("[lab-runner] watching the engine and the labs' limits failed:", e))
      .finally(() => (looking = false));
  }, LOOK_EVERY_MS);

  return () => {
    clearInterval(reaper);
    clearInterval(lookout);
  };
}
