/** Options of `check` (see the README's Consistency section). */
import type { ConditionalTuple } from '../tuple/tuple';
import { InvalidConsistencyTokenError } from '../consistency/consistency-token';
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
    ...validateConsistency(o, field),
    ...(o.context !== undefined ? { context: validateContext(o.context, `${field}.context`) } : {}),
    ...(o.contextualTuples !== undefined
      ? { contextualTuples: validateContextualTuples(o.contextualTuples, `${field}.contextualTuples`) }
      : {}),
  };
}

const LEVELS: readonly unknown[] = ['minimize-latency', 'at-least-as-fresh', 'strong'];

/**
 * `consistency` and `token` as check, batchCheck and the lists take them. A token is never ignored
 * silently: `at-least-as-fresh` needs one, `minimize-latency` (the default) refuses one, and `strong`
 * (newer than any token) takes one only to refuse it when it is malformed or foreign (the read decodes
 * tokens: it knows the store's fingerprint). Each mistake throws `InvalidConsistencyTokenError`, as a
 * bad token does, naming the field.
 */
export function validateConsistency(o: Record<string, unknown>, field = 'options'): Pick<CheckOptions, 'consistency' | 'token'> {
  const { consistency, token } = o;
  if (consistency !== undefined && !LEVELS.includes(consistency)) {
    throw new InvalidConsistencyTokenError(consistency, `${field}.consistency must be "minimize-latency", "at-least-as-fresh" or "strong"`);
  }
  if (consistency === 'at-least-as-fresh' && token === undefined) {
    throw new InvalidConsistencyTokenError(
      token,
      `${field}.token is required with consistency "at-least-as-fresh": a token returned by grant/revoke`,
    );
  }
  if (token !== undefined && (consistency === undefined || consistency === 'minimize-latency')) {
    throw new InvalidConsistencyTokenError(
      token,
      `${field}.token is not read with consistency "minimize-latency" (the default): pass consistency "at-least-as-fresh" with it`,
    );
  }
  return {
    ...(consistency !== undefined ? { consistency: consistency as CheckConsistency } : {}),
    ...(token !== undefined ? { token: token as ConsistencyToken } : {}),
  };
}
