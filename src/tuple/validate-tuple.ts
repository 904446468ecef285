import { InvalidTupleError } from './invalid-tuple.error';
import { validateCondition } from './validate-condition';
import { ConditionalTuple, Tuple, TupleOperation, TupleOperationKind } from './tuple';

/*
 * Limits follow OpenFGA's own validation (type names up to 254 characters,
 * relations up to 50, whole object up to 256, whole user up to 512), so what
 * passes here is what the server accepts. Whitespace and control characters
 * are never allowed anywhere: the buffer's canonical keys use a space as the
 * field separator, which is what makes crafted ids unable to collide.
 */
const NAME = String.raw`[^\s\p{Cc}:#@*]`;
const ID = String.raw`[^\s\p{Cc}#:]`;
const TYPE_RE = new RegExp(String.raw`^${NAME}{1,254}$`, 'u');
const RELATION_RE = new RegExp(String.raw`^${NAME}{1,50}$`, 'u');
const ID_RE = new RegExp(String.raw`^${ID}+$`, 'u');
/*
 * A lone UTF-16 surrogate cannot be encoded: it becomes U+FFFD on the wire,
 * so two different ids would name one tuple. In `u` mode \p{Cs} matches only
 * unpaired surrogates (a pair is one astral code point).
 */
const LONE_SURROGATE = /\p{Cs}/u;
const WELL_FORMED = 'well-formed Unicode (no lone UTF-16 surrogate)';

export const USER_FORM = '"type:id", "type:id#relation" or "type:*"';
export const OBJECT_FORM = '"type:id"';
export const RELATION_FORM = 'a relation name (1-50 characters; no spaces, ":", "#", "@" or "*")';

/** A lone `*` is the wildcard, only valid as a whole user id (`type:*`). */
function isId(id: string): boolean {
  return id !== '*' && ID_RE.test(id);
}

function splitTyped(value: string): [string, string] | undefined {
  const colon = value.indexOf(':');
  if (colon <= 0) return undefined;
  return [value.slice(0, colon), value.slice(colon + 1)];
}

export function validateObject(value: unknown, field = 'object'): string {
  if (typeof value !== 'string' || value.length > 256)
    throw new InvalidTupleError(field, value, `${OBJECT_FORM} of at most 256 characters`);
  if (LONE_SURROGATE.test(value)) throw new InvalidTupleError(field, value, `${OBJECT_FORM} in ${WELL_FORMED}`);
  const parts = splitTyped(value);
  if (!parts || !TYPE_RE.test(parts[0]) || !isId(parts[1])) throw new InvalidTupleError(field, value, OBJECT_FORM);
  return value;
}

export function validateRelation(value: unknown, field = 'relation'): string {
  if (typeof value === 'string' && LONE_SURROGATE.test(value))
    throw new InvalidTupleError(field, value, `${RELATION_FORM} in ${WELL_FORMED}`);
  if (typeof value !== 'string' || !RELATION_RE.test(value)) throw new InvalidTupleError(field, value, RELATION_FORM);
  return value;
}

export function validateUser(value: unknown, field = 'user'): string {
  if (typeof value !== 'string' || value.length > 512) throw new InvalidTupleError(field, value, `${USER_FORM} of at most 512 characters`);
  if (LONE_SURROGATE.test(value)) throw new InvalidTupleError(field, value, `${USER_FORM} in ${WELL_FORMED}`);
  const parts = splitTyped(value);
  if (!parts || !TYPE_RE.test(parts[0])) throw new InvalidTupleError(field, value, USER_FORM);
  const [, rest] = parts;
  if (rest === '*') return value;
  const hash = rest.indexOf('#');
  const id = hash === -1 ? rest : rest.slice(0, hash);
  if (!isId(id)) throw new InvalidTupleError(field, value, USER_FORM);
  if (hash !== -1 && !RELATION_RE.test(rest.slice(hash + 1))) throw new InvalidTupleError(field, value, USER_FORM);
  return value;
}

export const ONE_USER_FORM = '"type:id" (one user: no wildcard "*", no userset "#relation")';

/**
 * A user that names one principal: `type:id`, never `type:*` or `type:id#relation`.
 * What the request's user must be: granting to "the request's user" must not grant to everyone or to a group.
 */
export function validateOneUser(value: unknown, field = 'user'): string {
  const user = validateUser(value, field);
  if (user.endsWith(':*') || user.includes('#')) throw new InvalidTupleError(field, value, ONE_USER_FORM);
  return user;
}

const TUPLE_FIELDS = new Set(['user', 'relation', 'object']);

/**
 * Validates every field and returns a plain copy. A field the module does not
 * know is refused, naming it: JavaScript callers and data loaded from files
 * bypass the types, and a dropped field would silently change what is
 * granted. `condition` is accepted only where `withCondition` says (grants):
 * a revoke deletes the tuple whatever its condition, so a condition there
 * would suggest a precision OpenFGA does not have.
 */
export function validateTuple(input: unknown, fieldPrefix?: string): Tuple;
export function validateTuple(input: unknown, fieldPrefix: string, withCondition: true): ConditionalTuple;
export function validateTuple(input: unknown, fieldPrefix = '', withCondition = false): ConditionalTuple {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidTupleError(fieldPrefix || 'tuple', input, 'an object { user, relation, object }');
  }
  const t = input as Record<string, unknown>;
  for (const key of Object.keys(t)) {
    if (TUPLE_FIELDS.has(key)) continue;
    if (key === 'condition' && withCondition) continue;
    const expected =
      key === 'condition'
        ? 'absent: only a grant takes a condition (OpenFGA deletes a tuple by user, relation and object, whatever its condition)'
        : `absent: a tuple has only user, relation and object${withCondition ? ' (and a grant a condition)' : ''}`;
    throw new InvalidTupleError(`${fieldPrefix}${key}`, t[key], expected);
  }
  const tuple: ConditionalTuple = {
    user: validateUser(t.user, `${fieldPrefix}user`),
    relation: validateRelation(t.relation, `${fieldPrefix}relation`),
    object: validateObject(t.object, `${fieldPrefix}object`),
  };
  // An explicit `condition: undefined` is no condition (what JSON would make of it).
  if (withCondition && t.condition !== undefined) tuple.condition = validateCondition(t.condition, `${fieldPrefix}condition`);
  return tuple;
}

/** Validates a whole batch before anything is written: one bad tuple rejects the call. Only grants take a condition. */
export function validateOperations(kind: TupleOperationKind, tuples: readonly unknown[]): TupleOperation[] {
  if (!Array.isArray(tuples)) throw new InvalidTupleError('tuples', tuples, 'an array of { user, relation, object }');
  return tuples.map((t, i) =>
    kind === 'grant' ? { kind, ...validateTuple(t, `tuples[${i}].`, true) } : { kind, ...validateTuple(t, `tuples[${i}].`) },
  );
}
