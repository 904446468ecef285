/** What one benchmark reports: figures for the JSON file and the target checks for the printed line. */

export interface TargetCheck {
  /** What the ratio compares, e.g. "faster than SDK write at p50". */
  label: string;
  ratio: number;
  /** The target as printed, e.g. ">= 30x". */
  target: string;
  /** The bound in the target. */
  limit: number;
  pass: boolean;
  /** How the measured value prints, when it is not a ratio (e.g. a count). */
  shown?: string;
}

/** What a benchmark measured. */
export interface Measured {
  /** The measured figures, human-readable, for the printed line. */
  summary: string;
  checks: TargetCheck[];
  /** Every measured number, for bench/results/latest.json. */
  figures: Record<string, unknown>;
}

export interface BenchResult extends Measured {
  id: string;
  title: string;
  durationMs: number;
  error?: string;
}

export function atLeast(label: string, ratio: number, min: number): TargetCheck {
  return { label, ratio, target: `>= ${min}x`, limit: min, pass: ratio >= min };
}

export function atMost(label: string, ratio: number, max: number): TargetCheck {
  return { label, ratio, target: `<= ${max}x`, limit: max, pass: ratio <= max };
}

export function passed(result: BenchResult): boolean {
  return result.error === undefined && result.checks.every((c) => c.pass);
}

/** A count that must be zero (e.g. checks that failed closed). */
export function none(label: string, n: number): TargetCheck {
  return { label, ratio: n, target: '= 0', limit: 0, pass: n === 0, shown: String(n) };
}
