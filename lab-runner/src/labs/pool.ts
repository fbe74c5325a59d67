import type { BootStage, Lesson } from "@dockyard/contract/server";
import { imageSetKey, type NodePool, type Sandbox, type SandboxSpec } from "../sandbox/driver";
import type { BootQueue } from "./boot-queue";

// The warm pool's policy (the driver's NodePool keeps the nodes): `size` booted, unclaimed nodes are kept for each of
// the `imageSets` image sets learners opened most in the last hour, and before anyone opened one, for the lessons
// named in DOCKYARD_POOL_LESSONS (the lesson a class starts with), else the first lesson's. A new lab of one node without a registry is claimed from the pool when it has a
// node of the lab's images ready: no boot, ready at once. After every claim, and every round, the pool is topped up
// in the background, one node at a time, through the boot queue behind every learner's lab, so that a refill never
// delays a learner's boot; nodes of image sets no longer kept, and stale ones, are pruned. A claimed node is the lab's
// for good (it goes when the lab is removed): no node is ever handed to a second learner.

export interface PoolPolicy {
  /** Unclaimed nodes kept per image set; 0: no pool. */
  size: number;
  /** For how many image sets: those learners opened most lately. */
  imageSets: number;
  /** The image sets kept before learners open any (the first lesson's), first first. */
  seed: string[][];
}

/** What the pool holds of one image set. */
export interface PoolStatus {
  images: string[];
  /** Unclaimed nodes ready now. */
  pooled: number;
  /** How many it keeps (0 for a set no longer kept, whose nodes are being removed). */
  target: number;
  /** Whether a node of it is booting into the pool now. */
  filling: boolean;
}

/** Opens within this window rank the image sets. */
const RECENT_MS = 3_600_000;

/**
 * The image sets the pool keeps before learners' opens rank them: those of the lessons named (a class's lesson, say),
 * else of the first lesson it can serve. A lesson it cannot serve (several nodes, a registry) or does not know is an error.
 */
export function poolSeed(lessons: Pick<Lesson, "slug" | "images" | "nodes" | "registry" | "kubernetes">[], named: string[]): string[][] {
  const servable = (lesson: Pick<Lesson, "nodes" | "registry" | "kubernetes">) => lesson.nodes === 1 && !lesson.registry && !lesson.kubernetes;
  if (!named.length) {
    const first = lessons.find(servable);
    return first ? [first.images] : [];
  }
  return named.map((slug) => {
    const lesson = lessons.find((l) => l.slug === slug);
    if (!lesson) throw new Error(`DOCKYARD_POOL_LESSONS names “${slug}”, which is no lesson`);
    if (!servable(lesson))
      throw new Error(`DOCKYARD_POOL_LESSONS names “${slug}”, whose lab has several nodes, a registry or a cluster: the pool keeps one-node labs only`);
    return lesson.images;
  });
}

export class WarmPool {
  /** Per image set: when learners opened a lab of it lately. */
  private readonly opens = new Map<string, { images: string[]; at: number[] }>();
  private tending?: Promise<void>;
  private tendAgain = false;
  private filling?: string;

  constructor(
    private readonly pool: NodePool,
    private readonly queue: Pick<BootQueue, "run">,
    private readonly policy: PoolPolicy,
    private readonly now: () => number,
  ) {}

  /** The lab from the pool if it serves the spec and has a node ready; undefined otherwise (boot it). Tops the pool up after. */
  async claim(spec: SandboxSpec, onStage?: (stage: BootStage, detail?: string) => void): Promise<Sandbox | undefined> {
    if ((spec.nodes ?? 1) !== 1 || spec.registry || spec.kubernetes) return undefined;
    const key = imageSetKey(spec.images);
    const opens = this.opens.get(key) ?? { images: spec.images, at: [] };
    opens.at.push(this.now());
    this.opens.set(key, opens);
    try {
      return await this.pool.claim(spec, onStage);
    } finally {
      void this.tend();
    }
  }

  /** Prunes and tops the pool up, in the background; resolves when it is full, or a refill failed (said in the log). Never rejects. */
  tend(): Promise<void> {
    if (this.tending) {
      this.tendAgain = true; // something changed while it tended: look once more after
      return this.tending;
    }
    this.tendAgain = false;
    this.tending = this.refill()
      .catch((e) => console.error("[lab-runner] keeping the warm pool full failed:", e))
      .finally(() => {
        this.tending = undefined;
        if (this.tendAgain) void this.tend();
      });
    return this.tending;
  }

  /** What the pool holds and keeps, per image set (the kept ones first). */
  async status(): Promise<PoolStatus[]> {
    const wanted = this.wanted();
    const pooled = await this.pool.pooled();
    const keys = [...new Set([...wanted.keys(), ...pooled.keys()])];
    return keys.map((key) => ({
      images: key.split(",").filter(Boolean),
      pooled: pooled.get(key) ?? 0,
      target: wanted.has(key) ? this.policy.size : 0,
      filling: this.filling === key,
    }));
  }

  private async refill(): Promise<void> {
    const wanted = this.wanted();
    await this.pool.prune(new Set(wanted.keys()));
    // bounded: a node that boots but never counts as pooled must not make it boot for ever
    for (let fills = 0; fills < 2 * this.policy.size * wanted.size; fills++) {
      const pooled = await this.pool.pooled();
      const next = [...wanted].find(([key]) => (pooled.get(key) ?? 0) < this.policy.size);
      if (!next) return;
      const [key, images] = next;
      this.filling = key;
      try {
        await this.queue.run(
          { id: `pool:${key}`, learnerId: "", background: true },
          () => this.pool.fill(images),
          () => {},
        );
      } finally {
        this.filling = undefined;
      }
    }
  }

  /** The image sets kept now, by key: the most opened in the last hour, the first lesson's ahead of others opened as often. */
  private wanted(): Map<string, string[]> {
    const since = this.now() - RECENT_MS;
    const sets = new Map<string, { images: string[]; opens: number; seed: number }>();
    this.policy.seed.forEach((images, i) => sets.set(imageSetKey(images), { images, opens: 0, seed: i }));
    for (const [key, opens] of this.opens) {
      opens.at = opens.at.filter((at) => at >= since);
      if (!opens.at.length) this.opens.delete(key);
      else sets.set(key, { images: opens.images, opens: opens.at.length, seed: sets.get(key)?.seed ?? Number.MAX_SAFE_INTEGER });
    }
    const ranked = [...sets].sort(([, a], [, b]) => b.opens - a.opens || a.seed - b.seed).slice(0, this.policy.imageSets);
    return new Map(ranked.map(([key, set]) => [key, set.images]));
  }
}
