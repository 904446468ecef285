/** Options of `check` (see the README's Consistency section). */

/** An opaque string naming the buffer position of a write (see `check`'s consistency options). */
export type ConsistencyToken = string;

/**
 * - `minimize-latency` (default): buffer, then cache, then OpenFGA.
 * - `at-least-as-fresh`: reflects at least every write up to `token`: what is
 *   still buffered up to it is flushed first; OpenFGA is asked with higher
 *   consistency; the cache is bypassed.
 * - `strong`: as `at-least-as-fresh` with the latest position at call time.
 */
export type CheckConsistency = 'minimize-latency' | 'at-least-as-fresh' | 'strong';

export interface CheckOptions {
  consistency?: CheckConsistency;
  /** Required with `at-least-as-fresh`: a token returned by grant/revoke. */
  token?: ConsistencyToken;
}
