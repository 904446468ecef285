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
  ) {
    super(
      `${problems.length === 1 ? 'A decorator names' : `${problems.length} decorators name`} what authorization model ${modelId} lacks:\n  ${problems.join('\n  ')}`,
    );
  }
}
