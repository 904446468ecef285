/** Exponential backoff with ±20 % jitter, so many processes do not retry in step. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  const base = Math.min(maxMs, baseMs * 2 ** attempts);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
