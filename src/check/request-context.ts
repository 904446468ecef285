/** A check's request-time context and caller contextual tuples: validation and the identity used to keep them apart. */
import { MAX_CONTEXTUAL_TUPLES } from '../read/read-engine';
import { tupleKey } from '../redis/redis-keys';
import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import type { ConditionalTuple, TupleCondition } from '../tuple/tuple';
import { validateTuple } from '../tuple/validate-tuple';
import { InvalidCheckOptionsError } from './invalid-check-options.error';

/** Largest request-time context (or condition context), as JSON text: OpenFGA parses it on every check. */
export const MAX_CONTEXT_CHARS = 32_768;
/** Deepest nesting of a context: deeper is almost surely a cycle or a mistake. */
const MAX_CONTEXT_DEPTH = 16;
/**
 * Most caller contextual tuples per check: OpenFGA's own cap (100 per check).
 * Relevant pending grants travel in the same list; when both do not fit, those
 * pending grants are written to OpenFGA first instead (see the README).
 */
export const MAX_CALLER_CONTEXTUAL_TUPLES = MAX_CONTEXTUAL_TUPLES;
/** OpenFGA's form of a condition name. */
const CONDITION_NAME = /^[^\s\p{Cc}:#@*]{1,50}$/u;
const CONTEXT_FORM = `a plain JSON object (strings, finite numbers, booleans, null, arrays, objects; at most ${MAX_CONTEXT_CHARS} characters as JSON)`;

/** What a check carries beyond its tuple; `key` tells two different ones apart (empty: none). */
export interface RequestExtras {
  context?: Record<string, unknown>;
  tuples: readonly ConditionalTuple[];
  /** '' when the check carries neither: then its answer may be cached. */
  key: string;
}

export const NO_EXTRAS: RequestExtras = { tuples: [], key: '' };

/** A validated plain-JSON context, copied; `field` names it in errors (e.g. `options.context`). */
export function validateContext(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidCheckOptionsError(field, value, CONTEXT_FORM);
  const copy = jsonCopy(value, field, 0) as Record<string, unknown>;
  if (JSON.stringify(copy).length > MAX_CONTEXT_CHARS) throw new InvalidCheckOptionsError(field, '(too large)', CONTEXT_FORM);
  return copy;
}

/**
 * Validated caller contextual tuples, copied: each field as a tuple's, a
 * condition as `{ name, context? }`, no duplicates (OpenFGA refuses them),
 * at most {@link MAX_CALLER_CONTEXTUAL_TUPLES}.
 */
export function validateContextualTuples(value: unknown, field: string): ConditionalTuple[] {
  if (!Array.isArray(value)) throw new InvalidCheckOptionsError(field, value, 'an array of { user, relation, object, condition? }');
  if (value.length > MAX_CALLER_CONTEXTUAL_TUPLES) {
    throw new InvalidCheckOptionsError(
      field,
      `(${value.length} tuples)`,
      `at most ${MAX_CALLER_CONTEXTUAL_TUPLES} tuples (OpenFGA's cap per check)`,
    );
  }
  const seen = new Map<string, number>();
  return value.map((input: unknown, i) => {
    const at = `${field}[${i}]`;
    const t = validateConditionalTuple(input, at);
    const key = tupleKey(t);
    const first = seen.get(key);
    if (first !== undefined)
      throw new InvalidCheckOptionsError(at, key, `no duplicate: it repeats ${field}[${first}] (OpenFGA refuses duplicates)`);
    seen.set(key, i);
    return t;
  });
}

function validateConditionalTuple(input: unknown, at: string): ConditionalTuple {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidTupleError(at, input, 'an object { user, relation, object, condition? }');
  }
  const { condition, ...rest } = input as Record<string, unknown>;
  const t = validateTuple(rest, `${at}.`);
  if (!('condition' in input) || condition === undefined) return t;
  return { ...t, condition: validateCondition(condition, `${at}.condition`) };
}

function validateCondition(value: unknown, field: string): TupleCondition {
  if (!isPlainObject(value)) throw new InvalidCheckOptionsError(field, value, 'an object { name, context? }');
  for (const key of Object.keys(value)) {
    if (key !== 'name' && key !== 'context')
      throw new InvalidCheckOptionsError(`${field}.${key}`, value[key], 'absent: a condition has only name and context');
  }
  if (typeof value.name !== 'string' || !CONDITION_NAME.test(value.name)) {
    throw new InvalidCheckOptionsError(
      `${field}.name`,
      value.name,
      'a condition name of the model (1-50 characters; no spaces, ":", "#", "@" or "*")',
    );
  }
  if (value.context === undefined) return { name: value.name };
  return { name: value.name, context: validateContext(value.context, `${field}.context`) };
}

/** The extras of a check's validated options; a context with no key and no tuples count as none. */
export function requestExtras(
  context: Record<string, unknown> | undefined,
  tuples: readonly ConditionalTuple[] | undefined,
): RequestExtras {
  const ctx = context && Object.keys(context).length > 0 ? context : undefined;
  const list = tuples ?? [];
  if (!ctx && list.length === 0) return NO_EXTRAS;
  // JSON of validated plain data: the same question always gives the same key (key order included, as OpenFGA sees it).
  const key = JSON.stringify([ctx ?? null, list.map((t) => [tupleKey(t), t.condition ?? null])]);
  return { ...(ctx ? { context: ctx } : {}), tuples: list, key };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A copy holding only JSON values; anything else (a Date, a function, NaN, a cycle past the depth) names its path. */
function jsonCopy(value: unknown, path: string, depth: number): unknown {
  if (depth > MAX_CONTEXT_DEPTH)
    throw new InvalidCheckOptionsError(path, '(nested too deep)', `at most ${MAX_CONTEXT_DEPTH} levels of nesting`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new InvalidCheckOptionsError(path, value, 'a finite number');
  }
  if (Array.isArray(value)) return value.map((v, i) => jsonCopy(v, `${path}[${i}]`, depth + 1));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    // defineProperty: a "__proto__" key (JSON.parse makes it an own property) stays data, never a prototype.
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, {
        value: jsonCopy(value[key], `${path}.${key}`, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  throw new InvalidCheckOptionsError(
    path,
    value,
    `a JSON value, not ${typeof value === 'object' ? 'a class instance' : `a ${typeof value}`}`,
  );
}
