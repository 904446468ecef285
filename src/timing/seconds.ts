/** The longest duration a Node.js timer holds (2^31 - 1 ms): a longer one fires after 1 ms. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Whether `value` is a duration in seconds a timer can hold: positive, finite, at most MAX_TIMER_SECONDS. */
export function isTimerSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_TIMER_SECONDS;
}

/**
 * Whole milliseconds from an option given in seconds. `16.1 * 1000` is
 * 16100.000000000002, which Redis refuses as an expiry (PX) or a score
 * argument: every conversion rounds, and a positive duration is at least 1 ms.
 */
export function secondsToMs(seconds: number): number {
  return seconds > 0 ? Math.max(1, Math.round(seconds * 1000)) : 0;
}
