import { OpenFgaError } from '../errors/openfga.error';

/**
 * Thrown when a decorator is declared with an unusable template or relation,
 * so a typo fails when the controller class is loaded instead of on every request.
 *
 * @example
 * @Check('viewer', 'document:{param.id}') // InvalidTemplateError: unknown source "param" (use params, query, ...)
 */
export class InvalidTemplateError extends OpenFgaError {
  override readonly name = 'InvalidTemplateError';

  constructor(
    /** The template as declared. */
    readonly template: string,
    reason: string,
  ) {
    super(`Invalid template ${JSON.stringify(template)}: ${reason}`);
  }
}
