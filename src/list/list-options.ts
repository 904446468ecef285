/** Options of `listObjects`/`listUsers` (the same fields as `check`'s, see the README's "Listing objects and users"). */
import type { CheckConsistency, ConsistencyToken } from '../check/check-options';
import { MAX_CONTEXTUAL_TUPLES } from '../cache/check-cache';
import type { ConditionalTuple } from '../tuple/tuple';
import { validateCondition } from '../tuple/validate-condition';
import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import { validateObject, validateRelation, validateUser } from '../tuple/validate-tuple';
import { InvalidListOptionsError } from './list-errors';

/** A condition on a contextual tuple: its name in the model and the parameters it is evaluated with. */
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
}

const LIST_OPTIONS = new Set(['consistency', 'token', 'context', 'contextualTuples']);
const TUPLE_FIELDS = new Set(['user', 'relation', 'object', 'condition']);

/** Validates list options, naming the first bad field; returns a plain copy (contextual tuples validated one by one). */
export function validateListOptions(options: unknown): ListOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) {
    throw new InvalidListOptionsError('options', options, 'an object { consistency?, token?, context?, contextualTuples? }');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!LIST_OPTIONS.has(key)) {
      throw new InvalidListOptionsError(
        `options.${key}`,
        o[key],
        'absent: lists take only consistency, token, context and contextualTuples',
      );
    }
  }
  const result: ListOptions = {};
  if (o.consistency !== undefined) result.consistency = o.consistency as CheckConsistency;
  if (o.token !== undefined) result.token = o.token as ConsistencyToken;
  if (o.context !== undefined) {
    if (!isPlainObject(o.context)) throw new InvalidListOptionsError('options.context', o.context, 'an object of condition parameters');
    result.context = o.context as Record<string, unknown>;
  }
  if (o.contextualTuples !== undefined) result.contextualTuples = validateContextualTuples(o.contextualTuples);
  return result;
}

function validateContextualTuples(value: unknown): ListContextualTuple[] {
  const field = 'options.contextualTuples';
  if (!Array.isArray(value)) throw new InvalidListOptionsError(field, value, 'an array of { user, relation, object, condition? }');
  if (value.length > MAX_CONTEXTUAL_TUPLES) {
    throw new InvalidListOptionsError(field, value.length, `at most ${MAX_CONTEXTUAL_TUPLES} tuples (OpenFGA's limit per request)`);
  }
  return value.map((t: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isPlainObject(t)) throw new InvalidListOptionsError(at, t, 'an object { user, relation, object, condition? }');
    const r = t as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (!TUPLE_FIELDS.has(key))
        throw new InvalidListOptionsError(
          `${at}.${key}`,
          r[key],
          'absent: a contextual tuple has only user, relation, object and condition',
        );
    }
    const tuple: ListContextualTuple = {
      user: asOption(() => validateUser(r.user, `${at}.user`)),
      relation: asOption(() => validateRelation(r.relation, `${at}.relation`)),
      object: asOption(() => validateObject(r.object, `${at}.object`)),
    };
    if (r.condition !== undefined) tuple.condition = asOption(() => validateCondition(r.condition, `${at}.condition`));
    return tuple;
  });
}

/** A tuple field's error, as an options error (the field already names where it is). */
function asOption<T>(validate: () => T): T {
  try {
    return validate();
  } catch (err) {
    if (err instanceof InvalidTupleError) throw new InvalidListOptionsError(err.field, err.value, err.expected);
    throw err;
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
