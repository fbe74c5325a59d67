import type { LabManager } from "../labs";

// The lab-runner's rounds: every so often the idle culler suspends idle labs, eviction removes the suspended
// labs that must go and the warm pool is topped up; every 2 s the lookout asks
// whether the engine answers (terminals are told when that changes) and, while it does, tells learners the
// limits their labs ran into; and every 5 s the labs the driver reports lost (a cluster node gone) are told so at
// their terminals, which end (the page connects again, which starts the lab anew).

const LOOK_EVERY_MS = 2000;
/** Less often than the lookout: each look lists every lab (one request per kind of object on a cluster). */
const LOST_EVERY_MS = 5000;

/** Starts the rounds; returns what stops them. */
export function startRounds(
  labs: Pick<LabManager, "reap" | "evict" | "tendPool" | "watchEngine" | "tellLimits" | "tellLost">,
  reapEveryMs: number,
): () => void {
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
  let engineUp = true;
  const lookout = setInterval(() => {
    if (looking) return;
    looking = true;
    labs
      .watchEngine()
      .then((up) => {
        engineUp = up;
        return up ? labs.tellLimits() : undefined;
      })
      .catch((e) => console.error("[lab-runner] watching the engine and the labs' limits failed:", e))
      .finally(() => (looking = false));
  }, LOOK_EVERY_MS);

  let finding = false;
  const finder = setInterval(() => {
    if (finding || !engineUp) return;
    finding = true;
    labs
      .tellLost()
      .then((lost) => lost.length && console.log(`[lab-runner] labs lost, their learners told: ${lost.map((s) => `${s.id} (${s.lost})`).join(", ")}`))
      .catch((e) => console.error("[lab-runner] looking for lost labs failed:", e))
      .finally(() => (finding = false));
  }, LOST_EVERY_MS);

  return () => {
    clearInterval(reaper);
    clearInterval(lookout);
    clearInterval(finder);
  };
}
