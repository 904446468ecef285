import { typeOf } from '../model/relation-graph';
import type { ListedRelation } from '../scope/relation-scope';
import type { Tuple } from '../tuple/tuple';
import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import { validateObject, validateRelation, validateUser } from '../tuple/validate-tuple';

/** A type a listUsers query returns: its objects (`user`), or a userset of them (`group#member`). */
export interface UserFilter {
  type: string;
  relation?: string;
}

/** What a list call asks, validated. */
export type ListQuery =
  | { kind: 'objects'; user: string; relation: string; type: string }
  | { kind: 'users'; object: string; relation: string; userFilters: UserFilter[] };

/** As tuple types: OpenFGA's limit, and no character the buffer's keys or the `type:id#relation` forms use. */
const TYPE_RE = /^[^\s\p{Cc}:#@*]{1,254}$/u;
const LONE_SURROGATE = /\p{Cs}/u;
const TYPE_FORM = 'a type name (1-254 characters; no spaces, ":", "#", "@" or "*")';
const FILTER_FORM = '"type" or "type#relation" (e.g. "user", "group#member")';
/** Each filter is one OpenFGA request (it takes one per request); more than this is a mistake, not a query. */
export const MAX_USER_FILTERS = 10;

export function validateType(value: unknown, field = 'type'): string {
  if (typeof value !== 'string' || LONE_SURROGATE.test(value) || !TYPE_RE.test(value)) throw new InvalidTupleError(field, value, TYPE_FORM);
  return value;
}

export function listObjectsQuery(user: unknown, relation: unknown, type: unknown): ListQuery {
  return { kind: 'objects', user: validateUser(user), relation: validateRelation(relation), type: validateType(type) };
}

export function listUsersQuery(object: unknown, relation: unknown, userFilters: unknown): ListQuery {
  const checked = { object: validateObject(object), relation: validateRelation(relation) };
  if (!Array.isArray(userFilters) || userFilters.length === 0 || userFilters.length > MAX_USER_FILTERS) {
    throw new InvalidTupleError('userFilters', userFilters, `an array of 1 to ${MAX_USER_FILTERS} filters, each ${FILTER_FORM}`);
  }
  const filters = userFilters.map((f: unknown, i): UserFilter => {
    const field = `userFilters[${i}]`;
    if (typeof f !== 'string') throw new InvalidTupleError(field, f, FILTER_FORM);
    const hash = f.indexOf('#');
    if (hash === -1) return { type: filterPart(f, f, field, validateType) };
    return {
      type: filterPart(f.slice(0, hash), f, field, validateType),
      relation: filterPart(f.slice(hash + 1), f, field, validateRelation),
    };
  });
  return { kind: 'users', ...checked, userFilters: filters };
}

/** A part of a filter, with the error naming the whole filter and its form. */
function filterPart(part: string, filter: string, field: string, validate: (v: unknown, f: string) => string): string {
  try {
    return validate(part, field);
  } catch {
    throw new InvalidTupleError(field, filter, FILTER_FORM);
  }
}

/** The query as error messages name it. */
export function describeQuery(q: ListQuery): string {
  if (q.kind === 'objects') return `listObjects ${q.user} ${q.relation} ${q.type}`;
  return `listUsers ${q.object} ${q.relation} [${q.userFilters.map(filterString).join(', ')}]`;
}

export function filterString(f: UserFilter): string {
  return f.relation ? `${f.type}#${f.relation}` : f.type;
}

/** The relation a list query reads, with the side it fixes (see RelationScope.forList). */
export function listedRelation(q: ListQuery): ListedRelation {
  return q.kind === 'objects'
    ? { type: q.type, relation: q.relation, user: q.user }
    : { type: typeOf(q.object), relation: q.relation, object: q.object };
}

/** The tuple whose generations a list's snapshot reads (unused: nothing is cached). */
export function probeTuple(q: ListQuery): Tuple {
  return q.kind === 'objects'
    ? { user: q.user, relation: q.relation, object: `${q.type}:` }
    : { user: `${typeOf(q.object)}:`, relation: q.relation, object: q.object };
}
