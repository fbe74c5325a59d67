/** Nearest-rank percentile of samples (milliseconds). */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One line: how many samples, and their percentiles in ms (100 is printed as max). */
export function report(name: string, samples: number[], percentiles = [50, 95, 99]): void {
  const f = (p: number) => `${p === 100 ? "max" : `p${p}`} ${`${percentile(samples, p).toFixed(1)} ms`.padStart(10)}`;
  const figures = samples.length ? percentiles.map(f).join("  ") : "no samples";
  console.log(`${name.padEnd(44)} n=${String(samples.length).padStart(3)}  ${figures}`);
}
