import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import { checkContextValue, ConditionNotEvaluable, isKnownParameterType } from './condition-context';
import type { TupleOperation } from '../tuple/tuple';
import { typeOf, type DirectType, type RelationGraph } from './relation-graph';

/** How a tuple's user is related: `type`, `type:*` or `type#relation`. */
export interface UserShape {
  type: string;
  wildcard: boolean;
  relation?: string;
}

export function userShape(user: string): UserShape {
  const type = typeOf(user);
  const hash = user.indexOf('#');
  if (hash >= 0) return { type, wildcard: false, relation: user.slice(hash + 1) };
  return { type, wildcard: user.endsWith(':*') };
}

/**
 * Checks conditional grants against the authorization model, before anything
 * is buffered: the condition exists, its context names only declared
 * parameters, each a value OpenFGA converts to its declared type (see condition-context), and the relation accepts the
 * condition for the user's type. A relation the model lacks is left to
 * `checkWritesInModel` (model/write-rules.ts), which runs these checks too.
 * `field(i)` is the field prefix of op i ('' or `tuples[i].`).
 */
export function checkConditionsInModel(ops: readonly TupleOperation[], graph: RelationGraph, field: (i: number) => string): void {
  ops.forEach((op, i) => checkConditionInModel(op, graph, field(i)));
}

/** The checks of `checkConditionsInModel` on one op; `prefix` is its field prefix. */
export function checkConditionInModel(op: TupleOperation, graph: RelationGraph, prefix: string): void {
  const condition = op.condition;
  if (!condition) return;
  const at = `${prefix}condition`;
  const declared = graph.condition(condition.name);
  if (!declared) {
    throw new InvalidTupleError(`${at}.name`, condition.name, `a condition declared in authorization model ${graph.modelId}`);
  }
  for (const [key, value] of Object.entries(condition.context ?? {})) {
    if (!declared.parameters.has(key)) {
      const names = [...declared.parameters.keys()].join(', ');
      throw new InvalidTupleError(`${at}.context.${key}`, key, `a parameter of condition ${condition.name} (${names})`);
    }
    const type = declared.parameterTypes.get(key)!;
    if (!isKnownParameterType(type)) continue;
    try {
      // As OpenFGA's Write converts it: a list's and a map's items too, numeric strings for numbers,
      // RFC 3339 timestamps, Go durations and IP addresses parsed; else OpenFGA refuses it at flush.
      checkContextValue(value, type);
    } catch (err) {
      if (!(err instanceof ConditionNotEvaluable)) throw err;
      throw new InvalidTupleError(`${at}.context.${key}`, value, err.message.replace(/^expected /, ''));
    }
  }
  const accepted = graph.directlyRelated(typeOf(op.object), op.relation);
  if (!accepted) return;
  const user = userShape(op.user);
  const fits = accepted.some((ref) => admitsShape(ref, user) && ref.condition === condition.name);
  if (!fits) {
    throw new InvalidTupleError(
      at,
      condition.name,
      `a condition ${typeOf(op.object)}#${op.relation} accepts for ${op.user} (the model has no "${condition.name}" on it for that user type)`,
    );
  }
}

/** Whether a directly related type `ref` (conditions aside) admits a user of this shape. */
export function admitsShape(ref: DirectType, user: UserShape): boolean {
  return ref.type === user.type && (ref.relation || undefined) === user.relation && (ref.wildcard !== undefined) === user.wildcard;
}
