import { applyDecorators } from '@nestjs/common';
import type { TupleCondition, TupleOperationKind } from '../tuple/tuple';
import { prependMetadata, useInterceptorOnce } from './append-metadata.decorator';
import { declaredConnection } from './declared-connection';
import { declaredRelation } from './declared-relation';
import { prepareTemplate, ResolverArgs, ResultTemplate, TemplateSource } from './object-template';
import type { OpenFgaRequest } from '../options/openfga-options.interface';
import { RECORDS_METADATA } from './openfga-http.constants';
import type { TupleRecordRequirement } from './requirements';
import { RecordTuplesInterceptor } from './record-tuples.interceptor';

/** Sources a `@Grant`/`@Revoke` template may read: the request's parts and the handler's `result`. */
export const RECORD_TEMPLATE_SOURCES: readonly TemplateSource[] = ['params', 'query', 'body', 'headers', 'user', 'args', 'result'];

/** Options of one `@Grant` or `@Revoke`. */
export interface RecordDecoratorOptions<TResult = unknown> {
  /** The user of the tuple instead of the request's user (the `resolveUser` option), e.g. `'user:{body.userId}'`. */
  user?: ResultTemplate<TResult>;
  /** The connection to write to (`OpenFgaModule.forRoot({ name: 'billing' })`), and whose `resolveUser` finds the user. Unset: the default. */
  connection?: string;
}

/**
 * The condition a `@Grant` writes its tuple with: fixed, or computed after the handler from the request and its
 * result (`undefined`: no condition). Checked like `grant`'s `condition` option: a bad one fails the request (500)
 * and nothing is recorded.
 */
export type GrantCondition<TResult = unknown> =
  | TupleCondition
  | ((request: OpenFgaRequest, result: TResult, args?: ResolverArgs) => TupleCondition | undefined | Promise<TupleCondition | undefined>);

/** Options of one `@Grant`. */
export interface GrantDecoratorOptions<TResult = unknown> extends RecordDecoratorOptions<TResult> {
  /** A condition of the model the tuple is subject to (ABAC), e.g. a time-limited share. */
  condition?: GrantCondition<TResult>;
}

/** Shared by `@Grant` and `@Revoke`: validates the declaration once and attaches the interceptor. */
export function recordTuple<TResult>(
  kind: TupleOperationKind,
  relation: string,
  object: ResultTemplate<TResult>,
  options: GrantDecoratorOptions<TResult>,
): ClassDecorator & MethodDecorator {
  const name = kind === 'grant' ? '@Grant' : '@Revoke';
  const connection = declaredConnection(name, options.connection);
  // JavaScript callers bypass the types: a revoke deletes whatever condition the tuple has.
  if (kind === 'revoke' && options.condition !== undefined)
    throw new TypeError('@Revoke takes no condition: a revoke deletes the tuple whatever its condition');
  const requirement: TupleRecordRequirement = {
    kind,
    relation: declaredRelation(name, relation),
    object: prepareTemplate(object as ResultTemplate, 'object', RECORD_TEMPLATE_SOURCES),
    ...(options.user !== undefined ? { user: prepareTemplate(options.user as ResultTemplate, 'user', RECORD_TEMPLATE_SOURCES) } : {}),
    ...(options.condition !== undefined ? { condition: options.condition as GrantCondition } : {}),
    ...(connection !== undefined ? { connection } : {}),
  };
  return applyDecorators(prependMetadata(RECORDS_METADATA, requirement), useInterceptorOnce(RecordTuplesInterceptor));
}
