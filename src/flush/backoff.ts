/** Exponential backoff with ±20 % jitter, so many processes do not retry in step. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  const base = Math.min(maxMs, baseMs * 2 ** attempts);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** When a batch's unwritten operations may be tried again: backed off by the most-tried of them. */
export function retryAtFor(ops: readonly { attempts: number }[], baseMs: number, maxMs: number): number {
  let attempts = 0;
  for (const op of ops) attempts = Math.max(attempts, op.attempts);
  return Date.now() + backoffMs(attempts, baseMs, maxMs);
}
