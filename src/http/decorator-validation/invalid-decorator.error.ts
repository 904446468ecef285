import { isDefaultConnection } from '../../connection/connection-tokens';
import { OpenFgaError } from '../../errors/openfga.error';

/**
 * Thrown at start-up when `@Check`, `@Grant` or `@Revoke` name a type or
 * relation the authorization model lacks; the message lists every one, each
 * with its controller and handler. Turn the check off with `validateDecorators: false`.
 */
export class InvalidDecoratorError extends OpenFgaError {
  override readonly name = 'InvalidDecoratorError';

  constructor(
    /** One line per problem. */
    readonly problems: readonly string[],
    modelId: string,
    /** The connection whose model it is; named in the message unless it is the default one. */
    connection?: string,
  ) {
    const model = isDefaultConnection(connection) ? modelId : `${modelId} (connection "${connection}")`;
    super(
      `${problems.length === 1 ? 'A decorator names' : `${problems.length} decorators name`} what authorization model ${model} lacks:\n  ${problems.join('\n  ')}`,
    );
  }
}
