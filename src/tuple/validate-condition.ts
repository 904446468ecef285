import { InvalidTupleError } from './invalid-tuple.error';
import type { TupleCondition } from './tuple';

/** OpenFGA's condition names: an identifier of at most 50 characters. */
const CONDITION_NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,49}$/;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Most bytes a condition's context may take serialized as JSON. It travels
 * with the operation in every Redis record (buffer, batch, dead letter) and
 * in every check that sends the pending grant as a contextual tuple: a bound
 * keeps those small. Parameters are values, not documents.
 */
export const MAX_CONDITION_CONTEXT_BYTES = 4096;
/** Deepest nesting of lists and maps in a context. */
const MAX_DEPTH = 8;

export const CONDITION_FORM = '{ name, context? }';
export const CONDITION_NAME_FORM = 'a condition name of the model (a letter or "_", then letters, digits, "_" or "-"; 1-50 characters)';
const CONTEXT_FORM = `a plain JSON object of at most ${MAX_CONDITION_CONTEXT_BYTES} bytes serialized (strings, finite numbers, booleans, null, arrays, objects)`;

/**
 * Validates a grant's condition and returns a plain copy (context omitted
 * when empty). Every value must survive JSON unchanged: a value JSON would
 * drop or alter (undefined, NaN, a function, a Date) would make OpenFGA
 * evaluate another condition than the one granted.
 */
export function validateCondition(input: unknown, field = 'condition'): TupleCondition {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !isPlainObject(input)) {
    throw new InvalidTupleError(field, input, `an object ${CONDITION_FORM}`);
  }
  const c = input as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (key !== 'name' && key !== 'context')
      throw new InvalidTupleError(`${field}.${key}`, c[key], `absent: a condition has only name and context`);
  }
  if (typeof c.name !== 'string' || !CONDITION_NAME_RE.test(c.name))
    throw new InvalidTupleError(`${field}.name`, c.name, CONDITION_NAME_FORM);
  if (c.context === undefined) return { name: c.name };
  if (typeof c.context !== 'object' || c.context === null || Array.isArray(c.context) || !isPlainObject(c.context)) {
    throw new InvalidTupleError(`${field}.context`, c.context, CONTEXT_FORM);
  }
  const context = jsonValue(c.context, `${field}.context`, 0) as Record<string, unknown>;
  const size = Buffer.byteLength(JSON.stringify(context), 'utf8');
  if (size > MAX_CONDITION_CONTEXT_BYTES) throw new InvalidTupleError(`${field}.context`, `(${size} bytes)`, CONTEXT_FORM);
  return Object.keys(context).length > 0 ? { name: c.name, context } : { name: c.name };
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A copy of a JSON value, or an error naming the first part JSON would not carry unchanged. */
function jsonValue(value: unknown, field: string, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value))
        throw new InvalidTupleError(field, value, 'a string in well-formed Unicode (no lone UTF-16 surrogate)');
      return value;
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidTupleError(field, value, 'a finite number (JSON has no NaN or Infinity)');
      return value;
    case 'object': {
      if (value === null) return null;
      if (depth >= MAX_DEPTH) throw new InvalidTupleError(field, value, `at most ${MAX_DEPTH} levels of nested lists and objects`);
      if (Array.isArray(value)) return value.map((v, i) => jsonValue(v, `${field}[${i}]`, depth + 1));
      if (!isPlainObject(value)) {
        throw new InvalidTupleError(
          field,
          value,
          'a plain JSON value (a Date or class instance is not: pass timestamps as RFC 3339 strings)',
        );
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (k === '' || LONE_SURROGATE.test(k))
          throw new InvalidTupleError(`${field}`, k, 'parameter names that are non-empty well-formed strings');
        // defineProperty: a "__proto__" key (JSON.parse makes it an own property) stays a parameter the model
        // check sees and refuses; an assignment would set the copy's prototype and drop it unseen.
        Object.defineProperty(out, k, {
          value: jsonValue(v, `${field}.${k}`, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    default:
      throw new InvalidTupleError(field, value, 'a JSON value (not undefined, a function, a symbol or a bigint)');
  }
}
