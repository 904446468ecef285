/** A relationship tuple: `user` has `relation` on `object`. */
export interface Tuple {
  /** `type:id`, `type:id#relation` (a userset) or `type:*` (every user of a type). */
  user: string;
  relation: string;
  /** `type:id`. */
  object: string;
}

/**
 * An OpenFGA condition a grant is subject to (ABAC): the tuple counts only
 * while the model's condition `name` holds, evaluated with `context` merged
 * with the context the check passes.
 */
export interface TupleCondition {
  /** A condition declared in the authorization model. */
  name: string;
  /** Values of some of its parameters (a plain JSON object). */
  context?: Record<string, unknown>;
}

/** A tuple, possibly granted subject to a condition. */
export interface ConditionalTuple extends Tuple {
  condition?: TupleCondition;
}

/** What a buffered operation does to its tuple in OpenFGA. */
export type TupleOperationKind = 'grant' | 'revoke';

export interface TupleOperation extends Tuple {
  kind: TupleOperationKind;
  /** Grants only: the condition the tuple is written with. */
  condition?: TupleCondition;
}
