/** Options of `check` (see the README's Consistency section). */
import { InvalidCheckOptionsError } from './invalid-check-options.error';

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

const CHECK_OPTIONS = new Set(['consistency', 'token']);

/**
 * Refuses options `check` does not know, naming them: an ignored `context` or
 * `contextualTuples` would answer a different question than the one asked.
 */
export function validateCheckOptions(options: unknown): CheckOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidCheckOptionsError('options', options, 'an object { consistency?, token? }');
  }
  for (const key of Object.keys(options)) {
    if (!CHECK_OPTIONS.has(key)) {
      throw new InvalidCheckOptionsError(
        `options.${key}`,
        (options as Record<string, unknown>)[key],
        'absent: check takes only consistency and token (contexts and contextual tuples are not supported yet)',
      );
    }
  }
  return options as CheckOptions;
}
