import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import type { TupleOperation } from '../tuple/tuple';
import { admitsShape, checkConditionInModel, userShape, type UserShape } from './conditions-in-model';
import { typeOf, type DirectType, type RelationGraph } from './relation-graph';

/**
 * Refuses, before anything is buffered, a grant OpenFGA's Write would
 * refuse at flush time (where it could only be dead-lettered), by OpenFGA's
 * own rules:
 * - the object's type is in the model, and the relation is one of its relations;
 * - the relation is directly assignable (has directly related user types),
 *   one of them admits the user (`user`, `user:*`, `group#member`), and the
 *   condition matches (`[user with cond]` needs that condition; see
 *   `checkConditionInModel` for the condition itself);
 * - the tuple is not implicit (`group:a#member` as a member of `group:a`).
 * Revokes are not checked: OpenFGA (1.18.1) deletes a tuple whatever the
 * model says, so a tuple an older model admitted (a user type, a relation or
 * a type since removed) can still be revoked; a revoke of a tuple that never
 * existed is a no-op (`on_missing: ignore`).
 * The first problem throws; `field(i)` is the field prefix of op i ('' or `tuples[i].`).
 */
export function checkWritesInModel(ops: readonly TupleOperation[], graph: RelationGraph, field: (i: number) => string): void {
  ops.forEach((op, i) => {
    if (op.kind === 'grant') checkGrantInModel(op, graph, field(i));
  });
}

function checkGrantInModel(op: TupleOperation, graph: RelationGraph, prefix: string): void {
  const type = typeOf(op.object);
  // Own relations only: a relation named like an Object.prototype member ("constructor") is not one of the model's.
  const direct = graph.relationsOf(type)?.includes(op.relation) ? graph.directlyRelated(type, op.relation) : undefined;
  // In name order, as OpenFGA returns a stored model's relations (a model fresh from the DSL has them in DSL order).
  const relations = () => graph.relationsOf(type)?.sort() ?? [];
  if (!direct) unknownTypeOrRelation(op, type, relations(), graph, prefix);
  const pair = `${type}#${op.relation}`;
  if (direct.length === 0) {
    const writable = relations().filter((r) => (graph.directlyRelated(type, r) ?? []).length > 0);
    throw new InvalidTupleError(
      `${prefix}relation`,
      op.relation,
      `a relation of ${type} that takes direct tuples (${list(writable)})`,
      `${pair} cannot be written: it is computed from other relations only (no directly related user types; ${type} takes tuples on: ${list(writable)})`,
    );
  }
  const user = userShape(op.user);
  const admitting = direct.filter((ref) => admitsShape(ref, user));
  if (admitting.length === 0) {
    const admitted = list(direct.map(describeRef));
    throw new InvalidTupleError(
      `${prefix}user`,
      op.user,
      `a user ${pair} admits (${admitted})`,
      `${pair} admits ${admitted}, not ${form(user)}`,
    );
  }
  if (!op.condition && admitting.every((ref) => ref.condition)) {
    const names = admitting.map((ref) => ref.condition!).join(' or ');
    throw new InvalidTupleError(
      `${prefix}condition`,
      undefined,
      `a condition (${names})`,
      `${pair} admits ${form(user)} only with a condition (${names}); the grant has none`,
    );
  }
  if (op.user === `${op.object}#${op.relation}`) {
    throw new InvalidTupleError(
      `${prefix}user`,
      op.user,
      `a user other than ${op.user} itself`,
      `${op.user} on ${op.object}#${op.relation} is implicit (a relation always includes its own userset): OpenFGA does not store it`,
    );
  }
  checkConditionInModel(op, graph, prefix);
}

/** The model lacks the op's type, or the relation on it. */
function unknownTypeOrRelation(op: TupleOperation, type: string, relations: string[], graph: RelationGraph, prefix: string): never {
  if (!graph.relationsOf(type)) {
    const types = list(graph.typeNames());
    throw new InvalidTupleError(
      `${prefix}object`,
      op.object,
      `an object of a type of the model (${types})`,
      `type "${type}" is not in the authorization model (types: ${types})`,
    );
  }
  throw new InvalidTupleError(
    `${prefix}relation`,
    op.relation,
    `a relation of ${type} (${list(relations)})`,
    `${JSON.stringify(op.relation)} is not a relation of ${type} (${type} has: ${list(relations)})`,
  );
}

/** `user`, `user:*`, `group#member`, `user with non_expired`. */
function describeRef(ref: DirectType): string {
  const base = ref.relation ? `${ref.type}#${ref.relation}` : ref.wildcard ? `${ref.type}:*` : ref.type;
  return ref.condition ? `${base} with ${ref.condition}` : base;
}

function form(user: UserShape): string {
  return user.relation !== undefined ? `${user.type}#${user.relation}` : user.wildcard ? `${user.type}:*` : user.type;
}

function list(names: readonly string[]): string {
  return names.length ? names.join(', ') : 'none';
}
