import { applyDecorators } from '@nestjs/common';
import type { TupleOperationKind } from '../tuple/tuple';
import { prependMetadata, useInterceptorOnce } from './append-metadata.decorator';
import { declaredRelation } from './declared-relation';
import { prepareTemplate, ResultTemplate, TemplateSource } from './object-template';
import { RECORDS_METADATA } from './openfga-http.constants';
import type { TupleRecordRequirement } from './requirements';
import { RecordTuplesInterceptor } from './record-tuples.interceptor';

/** Sources a `@Grant`/`@Revoke` template may read: the request's parts and the handler's `result`. */
export const RECORD_TEMPLATE_SOURCES: readonly TemplateSource[] = ['params', 'query', 'body', 'headers', 'user', 'args', 'result'];

/** Options of one `@Grant` or `@Revoke`. */
export interface RecordDecoratorOptions<TResult = unknown> {
  /** The user of the tuple instead of the request's user (the `resolveUser` option), e.g. `'user:{body.userId}'`. */
  user?: ResultTemplate<TResult>;
}

/** Shared by `@Grant` and `@Revoke`: validates the declaration once and attaches the interceptor. */
export function recordTuple<TResult>(
  kind: TupleOperationKind,
  relation: string,
  object: ResultTemplate<TResult>,
  options: RecordDecoratorOptions<TResult>,
): ClassDecorator & MethodDecorator {
  const name = kind === 'grant' ? '@Grant' : '@Revoke';
  const requirement: TupleRecordRequirement = {
    kind,
    relation: declaredRelation(name, relation),
    object: prepareTemplate(object as ResultTemplate, 'object', RECORD_TEMPLATE_SOURCES),
    ...(options.user !== undefined ? { user: prepareTemplate(options.user as ResultTemplate, 'user', RECORD_TEMPLATE_SOURCES) } : {}),
  };
  return applyDecorators(prependMetadata(RECORDS_METADATA, requirement), useInterceptorOnce(RecordTuplesInterceptor));
}
