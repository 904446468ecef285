/** A relationship tuple: `user` has `relation` on `object`. */
export interface Tuple {
  /** `type:id`, `type:id#relation` (a userset) or `type:*` (every user of a type). */
  user: string;
  relation: string;
  /** `type:id`. */
  object: string;
}

export interface TupleCondition {
  name: string;
  context?: Record<string, unknown>;
}
export interface ConditionalTuple extends Tuple {
  condition?: TupleCondition;
}

/** What a buffered operation does to its tuple in OpenFGA. */
export type TupleOperationKind = 'grant' | 'revoke';

export interface TupleOperation extends Tuple {
  kind: TupleOperationKind;
}
