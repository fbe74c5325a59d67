/** Nearest-rank percentile of samples (milliseconds). */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function report(name: string, samples: number[]): void {
  const f = (p: number) => `${percentile(samples, p).toFixed(1)} ms`.padStart(10);
  console.log(`${name.padEnd(44)} n=${String(samples.length).padStart(3)}  p50 ${f(50)}  p95 ${f(95)}  p99 ${f(99)}`);
}
