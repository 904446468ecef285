import { GrantDecoratorOptions, recordTuple } from './tuple-record.decorator';
import type { ResultTemplate } from './object-template';

/**
 * After the handler succeeded, grants `relation` on `object` to the request's
 * user (or `options.user`), and sends the consistency token back in the
 * `X-Consistency-Token` response header. Nothing is recorded when the handler
 * throws. Templates that read only the request are filled before the handler
 * runs (400 if they cannot be); `{result...}` and function templates after it.
 *
 * @example
 * @Post()
 * @Grant('owner', 'document:{result.id}')
 * create(@Body() dto: CreateDocumentDto) { return this.documents.create(dto); }
 *
 * @example
 * // A share that ends after an hour (the model's `non_expired_grant` condition).
 * @Grant('viewer', 'document:{params.id}', {
 *   user: 'user:{params.userId}',
 *   condition: () => ({ name: 'non_expired_grant', context: { grant_time: new Date().toISOString(), grant_duration: '3600s' } }),
 * })
 */
export function Grant<TResult = unknown>(
  relation: string,
  object: ResultTemplate<TResult>,
  options: GrantDecoratorOptions<TResult> = {},
): ClassDecorator & MethodDecorator {
  return recordTuple('grant', relation, object, options);
}
