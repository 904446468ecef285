import { recordTuple, RecordDecoratorOptions } from './tuple-record.decorator';
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
 */
export function Grant<TResult = unknown>(
  relation: string,
  object: ResultTemplate<TResult>,
  options: RecordDecoratorOptions<TResult> = {},
): ClassDecorator & MethodDecorator {
  return recordTuple('grant', relation, object, options);
}
