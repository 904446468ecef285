/** A relationship tuple: `user` has `relation` on `object`. */
export interface Tuple {
  /** `type:id`, `type:id#relation` (a userset) or `type:*` (every user of a type). */
  user: string;
  relation: string;
  /** `type:id`. */
  object: string;
}

/** What a buffered operation does to its tuple in OpenFGA. */
export type TupleOperationKind = 'grant' | 'revoke';

export interface TupleOperation extends Tuple {
  kind: TupleOperationKind;
}
