import type { LabManager } from "../labs";

// The lab-runner's rounds: every so often the idle culler suspends idle labs and eviction removes the suspended
// labs that must go, and every 2 s the lookout asks
// whether the engine answers (terminals are told when that changes) and, while it does, tells learners the
// limits their labs ran into.

const LOOK_EVERY_MS = 2000;

/** Starts the rounds; returns what stops them. */
export function startRounds(labs: Pick<LabManager, "reap" | "evict" | "watchEngine" | "tellLimits">, reapEveryMs: number): () => void {
  const reaper = setInterval(() => {
    labs
      .reap()
      .then((culled) => culled.length && console.log(`[lab-runner] suspended idle sandboxes (removed the dead ones among them): ${culled.join(", ")}`))
      .then(() => labs.evict())
      .then(
        (evicted) => evicted.length && console.log(`[lab-runner] removed suspended sandboxes: ${evicted.join(", ")}`),
        (e) => console.error("[lab-runner] reaping failed:", e),
      );
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
