/** What `batchCheck` takes and returns, and the validation that rejects a bad call before anything happens. */
import type { ConditionalTuple, Tuple } from '../tuple/tuple';
import { validateTuple } from '../tuple/validate-tuple';
import { type CheckConsistency, type CheckOptions, type ConsistencyToken, validateConsistency } from './check-options';
import { InvalidCheckOptionsError } from './invalid-check-options.error';
import { RequestExtras, requestExtras, validateContext, validateContextualTuples } from './request-context';

/** One check of a `batchCheck`. */
export interface BatchCheckItem extends Tuple {
  /** Request-time context for this check (see `CheckOptions.context`). */
  context?: Record<string, unknown>;
  /** Tuples that hold for this check only (see `CheckOptions.contextualTuples`). */
  contextualTuples?: readonly ConditionalTuple[];
  /** Yours, returned as is in the answer (unique within a call). */
  correlationId?: string;
}

/**
 * The answer to one item, in input order. `allowed` is false whenever no
 * trustworthy answer could be had; `error` (a `CheckUnavailableError`) then says why.
 */
export interface BatchCheckAnswer extends BatchCheckItem {
  allowed: boolean;
  error?: Error;
}

/** Options of the whole batch (per-item context and tuples go on the items). */
export interface BatchCheckOptions {
  consistency?: CheckConsistency;
  token?: ConsistencyToken;
}

/** Most items of one `batchCheck` call (OpenFGA is asked in chunks of its own per-request cap). */
export const MAX_BATCH_CHECK_ITEMS = 1000;

const ITEM_KEYS = new Set(['user', 'relation', 'object', 'context', 'contextualTuples', 'correlationId']);
const ITEM_FORM = 'an object { user, relation, object, context?, contextualTuples?, correlationId? }';

/** A validated item: the copy returned in the answer, its tuple and what it carries beyond it. */
export interface ValidatedBatchItem {
  item: BatchCheckItem;
  tuple: Tuple;
  extras: RequestExtras;
}

/** Validates the whole call; the first bad field throws, naming it (`checks[3].user`), and nothing is asked. */
export function validateBatchCheck(checks: unknown, options: unknown): { items: ValidatedBatchItem[]; options: CheckOptions } {
  if (!Array.isArray(checks)) throw new InvalidCheckOptionsError('checks', checks, `an array of ${ITEM_FORM}`);
  if (checks.length > MAX_BATCH_CHECK_ITEMS) {
    throw new InvalidCheckOptionsError('checks', `(${checks.length} items)`, `at most ${MAX_BATCH_CHECK_ITEMS} items per call`);
  }
  const validOptions = validateBatchOptions(options);
  const ids = new Map<string, number>();
  const items = checks.map((input: unknown, i): ValidatedBatchItem => {
    const at = `checks[${i}]`;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidCheckOptionsError(at, input, ITEM_FORM);
    const o = input as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!ITEM_KEYS.has(key)) throw new InvalidCheckOptionsError(`${at}.${key}`, o[key], `absent: an item is ${ITEM_FORM}`);
    }
    const tuple = validateTuple({ user: o.user, relation: o.relation, object: o.object }, `${at}.`);
    const context = o.context === undefined ? undefined : validateContext(o.context, `${at}.context`);
    const tuples = o.contextualTuples === undefined ? undefined : validateContextualTuples(o.contextualTuples, `${at}.contextualTuples`);
    const correlationId = o.correlationId;
    if (correlationId !== undefined) {
      if (typeof correlationId !== 'string' || correlationId.length === 0 || correlationId.length > 256) {
        throw new InvalidCheckOptionsError(`${at}.correlationId`, correlationId, 'a string of 1 to 256 characters');
      }
      const first = ids.get(correlationId);
      if (first !== undefined)
        throw new InvalidCheckOptionsError(`${at}.correlationId`, correlationId, `unique: checks[${first}] has it too`);
      ids.set(correlationId, i);
    }
    const item: BatchCheckItem = {
      ...tuple,
      ...(context !== undefined ? { context } : {}),
      ...(tuples !== undefined ? { contextualTuples: tuples } : {}),
      ...(correlationId !== undefined ? { correlationId } : {}),
    };
    return { item, tuple, extras: requestExtras(context, tuples) };
  });
  return { items, options: validOptions };
}

function validateBatchOptions(options: unknown): CheckOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidCheckOptionsError('options', options, 'an object { consistency?, token? }');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'consistency' && key !== 'token') {
      const why =
        key === 'context' || key === 'contextualTuples'
          ? 'absent: give it per item (checks[i].' + key + ')'
          : 'absent: batchCheck takes only consistency and token';
      throw new InvalidCheckOptionsError(`options.${key}`, o[key], why);
    }
  }
  return validateConsistency(o);
}
