/** Options of `check` (see the README's Consistency section). */
import type { ConditionalTuple } from '../tuple/tuple';
import { InvalidCheckOptionsError } from './invalid-check-options.error';
import { validateContext, validateContextualTuples } from './request-context';

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
  /**
   * Request-time context for the model's conditions (e.g. `{ ip: '10.0.0.1' }`): a plain JSON object.
   * An answer computed with one is never cached nor served from the cache.
   */
  context?: Record<string, unknown>;
  /**
   * Tuples that hold for this check only (at most 100, OpenFGA's cap), never written.
   * An answer computed with them is never cached nor served from the cache.
   */
  contextualTuples?: readonly ConditionalTuple[];
}

const CHECK_OPTIONS = new Set(['consistency', 'token', 'context', 'contextualTuples']);

/**
 * Validates and copies `check`'s options, refusing options it does not know
 * (naming them): an ignored option would answer a different question than the one asked.
 */
export function validateCheckOptions(options: unknown, field = 'options'): CheckOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidCheckOptionsError(field, options, 'an object { consistency?, token?, context?, contextualTuples? }');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!CHECK_OPTIONS.has(key)) {
      throw new InvalidCheckOptionsError(
        `${field}.${key}`,
        o[key],
        'absent: check takes only consistency, token, context and contextualTuples',
      );
    }
  }
  return {
    ...(o.consistency !== undefined ? { consistency: o.consistency as CheckConsistency } : {}),
    ...(o.token !== undefined ? { token: o.token as ConsistencyToken } : {}),
    ...(o.context !== undefined ? { context: validateContext(o.context, `${field}.context`) } : {}),
    ...(o.contextualTuples !== undefined
      ? { contextualTuples: validateContextualTuples(o.contextualTuples, `${field}.contextualTuples`) }
      : {}),
  };
}
