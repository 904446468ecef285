/** Human-readable figures for the printed lines. */

/** Microseconds as "85 µs" / "1.24 ms". */
export function duration(us: number): string {
  if (us < 999.5) return `${us < 9.95 ? us.toFixed(1) : Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

export function latency(s: { p50: number; p99: number }): string {
  return `p50 ${duration(s.p50)} p99 ${duration(s.p99)}`;
}

/** Operations (or requests) per second. */
export function rate(perSecond: number): string {
  if (perSecond >= 10_000) return `${Math.round(perSecond / 1000)}k/s`;
  if (perSecond >= 1000) return `${(perSecond / 1000).toFixed(1)}k/s`;
  return `${Math.round(perSecond)}/s`;
}

/** A ratio, with digits enough that one just beside its target never prints as the target itself. */
export function ratio(r: number, target?: number): string {
  let digits = r >= 100 ? 0 : r >= 10 ? 1 : 2;
  while (target !== undefined && r !== target && digits < 4 && r.toFixed(digits) === target.toFixed(digits)) digits++;
  return `${r.toFixed(digits)}x`;
}

export function count(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

export function bytes(n: number): string {
  if (n < 10_000) return `${Math.round(n)} B`;
  if (n < 10_000_000) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
