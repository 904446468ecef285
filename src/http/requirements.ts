import type { TupleOperationKind } from '../tuple/tuple';
import type { PreparedTemplate } from './object-template';
import type { PreparedCheckExtras } from './check-extras-template';
import type { GrantCondition } from './tuple-record.decorator';

/** One `@Check` as the guard reads it from metadata (templates already compiled). */
export interface CheckRequirement {
  relation: string;
  object: PreparedTemplate;
  /** Overrides the request's user (the `resolveUser` option) for this check. */
  user?: PreparedTemplate;
  /** The check's request-time context and contextual tuples, filled from the request. */
  extras?: PreparedCheckExtras;
  /** The connection asked (`OpenFgaModule.forRoot({ name })`); unset: the default one. */
  connection?: string;
}

/** One `@Grant`/`@Revoke` as the interceptor reads it from metadata (templates already compiled). */
export interface TupleRecordRequirement {
  kind: TupleOperationKind;
  relation: string;
  object: PreparedTemplate;
  /** Overrides the request's user (the `resolveUser` option) for this tuple. */
  user?: PreparedTemplate;
  /** `@Grant` only: the condition the tuple is written with. */
  condition?: GrantCondition;
  /** The connection written to (`OpenFgaModule.forRoot({ name })`); unset: the default one. */
  connection?: string;
}
