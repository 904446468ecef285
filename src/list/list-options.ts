/** Options of `listObjects`/`listUsers` (the same fields as `check`'s, see the README's "Listing objects and users"). */
import { type CheckConsistency, type ConsistencyToken, validateConsistency } from '../check/check-options';
import { InvalidCheckOptionsError } from '../check/invalid-check-options.error';
import { validateContext, validateContextualTuples } from '../check/request-context';
import type { ConditionalTuple } from '../tuple/tuple';
import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import { InvalidListOptionsError } from './list-errors';

/** A contextual tuple of a list query. */
export type ListContextualTuple = ConditionalTuple;

export interface ListOptions {
  /** As for `check`: `at-least-as-fresh` and `strong` write what is buffered up to their position first. */
  consistency?: CheckConsistency;
  /** Required with `at-least-as-fresh`: a token returned by grant/revoke. */
  token?: ConsistencyToken;
  /** Parameters for the model's conditions, passed to OpenFGA as is. */
  context?: Record<string, unknown>;
  /** Tuples OpenFGA considers for this query only, besides the stored ones and the pending grants. */
  contextualTuples?: readonly ListContextualTuple[];
  /**
   * Opt-in for pages that must answer during a large import: when more relevant grants are pending
   * than one request carries, list from what OpenFGA holds plus the pending grants that fit, instead
   * of writing them first (which can take longer than `checkTimeout` and fail closed). The list may
   * then miss objects (users) that pending grants give, never show one a pending revoke took away:
   * it applies only while the store has no outstanding revoke and the relation reads no conditional
   * tuple and no `but not`; otherwise the list reads as without it. Only with `minimize-latency`.
   */
  mayOmitPendingGrants?: boolean;
}

const LIST_OPTIONS = new Set(['consistency', 'token', 'context', 'contextualTuples', 'mayOmitPendingGrants']);

/** Validates list options, naming the first bad field; returns a plain copy (contextual tuples validated one by one). */
export function validateListOptions(options: unknown): ListOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) {
    throw new InvalidListOptionsError(
      'options',
      options,
      'an object { consistency?, token?, context?, contextualTuples?, mayOmitPendingGrants? }',
    );
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!LIST_OPTIONS.has(key)) {
      throw new InvalidListOptionsError(
        `options.${key}`,
        o[key],
        'absent: lists take only consistency, token, context, contextualTuples and mayOmitPendingGrants',
      );
    }
  }
  const result: ListOptions = { ...validateConsistency(o) };
  // The same forms as check's (src/check/request-context.ts), reported as list option errors.
  if (o.context !== undefined) result.context = asOption(() => validateContext(o.context, 'options.context'));
  if (o.contextualTuples !== undefined) {
    result.contextualTuples = asOption(() => validateContextualTuples(o.contextualTuples, 'options.contextualTuples'));
  }
  if (o.mayOmitPendingGrants !== undefined) {
    if (typeof o.mayOmitPendingGrants !== 'boolean') {
      throw new InvalidListOptionsError('options.mayOmitPendingGrants', o.mayOmitPendingGrants, 'true or false');
    }
    if (o.mayOmitPendingGrants && (o.consistency ?? 'minimize-latency') !== 'minimize-latency') {
      throw new InvalidListOptionsError(
        'options.mayOmitPendingGrants',
        o.mayOmitPendingGrants,
        'false (or absent) with consistency "at-least-as-fresh" or "strong": a fresh level includes every pending grant up to it',
      );
    }
    result.mayOmitPendingGrants = o.mayOmitPendingGrants;
  }
  return result;
}

/** A tuple's or check option's error, as a list option error (the field already names where it is). */
function asOption<T>(validate: () => T): T {
  try {
    return validate();
  } catch (err) {
    if (err instanceof InvalidTupleError || err instanceof InvalidCheckOptionsError)
      throw new InvalidListOptionsError(err.field, err.value, err.expected);
    throw err;
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
