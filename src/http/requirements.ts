import type { TupleOperationKind } from '../tuple/tuple';
import type { PreparedTemplate } from './object-template';

/** One `@Check` as the guard reads it from metadata (templates already compiled). */
export interface CheckRequirement {
  relation: string;
  object: PreparedTemplate;
  /** Overrides the request's user (the `resolveUser` option) for this check. */
  user?: PreparedTemplate;
}

/** One `@Grant`/`@Revoke` as the interceptor reads it from metadata (templates already compiled). */
export interface TupleRecordRequirement {
  kind: TupleOperationKind;
  relation: string;
  object: PreparedTemplate;
  /** Overrides the request's user (the `resolveUser` option) for this tuple. */
  user?: PreparedTemplate;
}
