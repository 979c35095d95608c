// Timing and statistics shared by every case. A figure is only ever compared
// with a baseline measured in the same process run, so that a shared, noisy
// machine moves both; where both run in one process, their rounds alternate
// and the ratio is the median of the per-round ratios.

export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The nearest-rank percentile (p in 0..100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1] as number;
}

export function geometricMean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

/** Operations per second of `op`, run in batches of `batch` for about `ms` milliseconds. */
export function opsPerSecond(op: () => void, ms: number, batch = 64): number {
  // A short warm-up so the first round does not pay for compilation.
  for (let i = 0; i < batch; i++) op();
  let count = 0;
  const start = now();
  let elapsed = 0;
  do {
    for (let i = 0; i < batch; i++) op();
    count += batch;
    elapsed = now() - start;
  } while (elapsed < ms);
  return (count * 1000) / elapsed;
}

export interface Paired {
  /** Median over rounds of subject ops/s. */
  subject: number;
  /** Median over rounds of baseline ops/s. */
  baseline: number;
  /** Median over rounds of subject ÷ baseline, each round measuring both back to back. */
  ratio: number;
}

/**
 * Measures `subject` and `baseline` in alternating rounds (which one goes
 * first alternates too), so a slow patch of a shared machine hits both.
 */
export function paired(subject: () => void, baseline: () => void, o: { rounds?: number; ms?: number; batch?: number } = {}): Paired {
  const rounds = o.rounds ?? 7;
  const ms = o.ms ?? 60;
  const batch = o.batch ?? 64;
  const s: number[] = [];
  const b: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let x: number;
    let y: number;
    if (i % 2 === 0) {
      x = opsPerSecond(subject, ms, batch);
      y = opsPerSecond(baseline, ms, batch);
    } else {
      y = opsPerSecond(baseline, ms, batch);
      x = opsPerSecond(subject, ms, batch);
    }
    s.push(x);
    b.push(y);
    r.push(x / y);
  }
  return { subject: median(s), baseline: median(b), ratio: median(r) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with `promise`, or fails with `what` after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
