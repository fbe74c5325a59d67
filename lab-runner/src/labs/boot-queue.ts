// Boots under a burst: at most `concurrency` labs boot at once (a whole class opening its first lesson together
// would otherwise share the host's cores and all be slow); the others wait here. The line is fair: a learner's
// first lab goes before anyone's second, so waiting labs are ordered by how many labs their learner already has
// (running, booting, or waiting ahead of them here), then by arrival. Each waiting lab is told its place, how
// many wait, and an estimate of its wait whenever one of them changes; the estimate is the median of recent boot
// durations × place / concurrency. A waiter whose signal aborts (nobody waits for it any more) leaves the line.
// Background boots (the warm pool's refills, labs/pool.ts) wait behind every learner's lab, are told no place and
// count in no learner's place: they take a free slot only when no learner's lab waits for it.

/** A waiting lab's place in line: 1 is next. */
export interface QueuePlace {
  position: number;
  of: number;
  /** An estimate of the wait until its boot starts, in whole seconds. */
  estimateSeconds: number;
}

export interface BootQueueOptions {
  /** How many boots may run at once (Infinity: no line at all). */
  concurrency: number;
  /** How many labs the learner has running or booting, not counting those waiting here. */
  labsOf(learnerId: string): number;
  now?: () => number;
  /** The boot duration the estimate assumes until a boot has finished here. */
  firstEstimateMs?: number;
}

/** The lab a boot is for. */
export interface QueuedLab {
  id: string;
  learnerId: string;
  /** A boot for no learner (a pool refill): behind every learner's lab in line. */
  background?: boolean;
}

interface Waiter extends QueuedLab {
  arrival: number;
  /** When it joined the line (ms since the epoch). */
  since: number;
  told?: QueuePlace;
  tell(place: QueuePlace): void;
  admit(): void;
}

/** How many recent boot durations the estimate's median is taken over. */
const RECENT_BOOTS = 20;

export class BootQueue {
  /** In order of arrival. */
  private readonly waiting: Waiter[] = [];
  private running = 0;
  private arrivals = 0;
  private readonly recent: number[] = [];
  private readonly now: () => number;

  constructor(private readonly options: BootQueueOptions) {
    if (!(options.concurrency >= 1)) throw new Error(`boot concurrency must be at least 1, not ${options.concurrency}`);
    this.now = options.now ?? Date.now;
  }

  /**
   * Runs `boot` once a slot is free, telling `onPlace` the lab's place in line until then (nothing if a slot is
   * free at once). If `signal` aborts while the lab waits, it leaves the line and this rejects with the signal's reason.
   */
  async run<T>(lab: QueuedLab, boot: () => Promise<T>, onPlace: (place: QueuePlace) => void, signal?: AbortSignal): Promise<T> {
    await this.slot(lab, onPlace, signal);
    const started = this.now();
    try {
      const result = await boot();
      this.recent.push(this.now() - started); // failed boots say little about how long the next one takes
      if (this.recent.length > RECENT_BOOTS) this.recent.shift();
      return result;
    } finally {
      this.running--;
      this.admitNext();
    }
  }

  /** Whether the lab is waiting in line. */
  waits(id: string): boolean {
    return this.waiting.some((w) => w.id === id);
  }

  /** The labs waiting, in the order they will boot, each with its place and since when it waits. */
  line(): (QueuedLab & { place: QueuePlace; since: number })[] {
    return this.places().map(({ waiter, place }) => ({ id: waiter.id, learnerId: waiter.learnerId, place, since: waiter.since }));
  }

  /** The median of recent boot durations, in ms. */
  private typicalBootMs(): number {
    if (!this.recent.length) return this.options.firstEstimateMs ?? 5_000;
    const sorted = [...this.recent].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  }

  private slot(lab: QueuedLab, onPlace: (place: QueuePlace) => void, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const leave = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal!.reason);
        this.tellPlaces();
      };
      const waiter: Waiter = {
        ...lab,
        arrival: this.arrivals++,
        since: this.now(),
        tell: onPlace,
        admit: () => {
          signal?.removeEventListener("abort", leave);
          resolve();
        },
      };
      signal?.addEventListener("abort", leave, { once: true });
      this.waiting.push(waiter);
      this.admitNext();
    });
  }

  private admitNext(): void {
    while (this.running < this.options.concurrency && this.waiting.length) {
      const next = this.order()[0]!;
      this.waiting.splice(this.waiting.indexOf(next), 1);
      this.running++;
      next.admit();
    }
    this.tellPlaces();
  }

  /** The waiting labs in the order they will boot: learners' before background boots, fewest labs of their learner first, then first come. */
  private order(): Waiter[] {
    const waitingOf = new Map<string, number>(); // per learner, their labs seen so far in order of arrival
    const ranked = this.waiting.map((waiter) => {
      if (waiter.background) return { waiter, labs: Infinity };
      const ahead = waitingOf.get(waiter.learnerId) ?? 0;
      waitingOf.set(waiter.learnerId, ahead + 1);
      return { waiter, labs: this.options.labsOf(waiter.learnerId) + ahead };
    });
    return ranked.sort((a, b) => (a.labs === b.labs ? 0 : a.labs - b.labs) || a.waiter.arrival - b.waiter.arrival).map((r) => r.waiter);
  }

  private places(): { waiter: Waiter; place: QueuePlace }[] {
    const line = this.order().filter((waiter) => !waiter.background);
    const typical = this.typicalBootMs();
    return line.map((waiter, i) => ({
      waiter,
      place: { position: i + 1, of: line.length, estimateSeconds: Math.ceil((typical * (i + 1)) / this.options.concurrency / 1000) },
    }));
  }

  private tellPlaces(): void {
    for (const { waiter, place } of this.places()) {
      const told = waiter.told;
      if (told && told.position === place.position && told.of === place.of && told.estimateSeconds === place.estimateSeconds) continue;
      waiter.told = place;
      try {
        waiter.tell(place);
      } catch {
        // whoever listens must not break the line
      }
    }
  }
}
