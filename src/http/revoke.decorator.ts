import { recordTuple, RecordDecoratorOptions } from './tuple-record.decorator';
import type { ResultTemplate } from './object-template';

/**
 * After the handler succeeded, revokes `relation` on `object` from the
 * request's user (or `options.user`), and sends the consistency token back in
 * the `X-Consistency-Token` response header. Nothing is recorded when the handler throws.
 *
 * @example
 * @Delete(':id/viewers/:userId')
 * @Check('owner', 'document:{params.id}')
 * @Revoke('viewer', 'document:{params.id}', { user: 'user:{params.userId}' })
 * unshare() {}
 */
export function Revoke<TResult = unknown>(
  relation: string,
  object: ResultTemplate<TResult>,
  options: RecordDecoratorOptions<TResult> = {},
): ClassDecorator & MethodDecorator {
  return recordTuple('revoke', relation, object, options);
}
