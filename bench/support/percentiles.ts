/** Latency summaries from raw samples (nanoseconds, from process.hrtime.bigint()). */

export interface LatencySummary {
  /** Number of samples. */
  n: number;
  /** Microseconds. */
  p50: number;
  p99: number;
  mean: number;
  min: number;
}

/** Nearest-rank percentile of an ascending array; `p` in [0, 100]. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Summarises samples in nanoseconds as microseconds. */
export function summarize(samplesNs: readonly bigint[]): LatencySummary {
  const us = samplesNs.map((ns) => Number(ns) / 1000).sort((a, b) => a - b);
  return {
    n: us.length,
    p50: percentile(us, 50),
    p99: percentile(us, 99),
    mean: us.reduce((s, v) => s + v, 0) / us.length,
    min: us[0],
  };
}
