import { OpenFgaError } from '../errors/openfga.error';

/**
 * A template could not be filled from the request (or the handler's result):
 * a placeholder has no value, or a value that cannot stand in a tuple.
 * The guard answers 400; nothing is checked or recorded with a guessed value.
 *
 * @example
 * // @Check('viewer', 'folder:{query.folder}') and a request without ?folder=
 * // → TemplateResolutionError: {query.folder} has no value → 400 Bad Request
 */
export class TemplateResolutionError extends OpenFgaError {
  override readonly name = 'TemplateResolutionError';

  constructor(
    /** The template as declared, or `(function)` for a function template. */
    readonly template: string,
    /** The placeholder that failed, e.g. `{query.folder}`. */
    readonly placeholder: string,
    /** `missing`: no value; `invalid`: a value that cannot be used. */
    readonly reason: 'missing' | 'invalid',
    detail: string,
  ) {
    super(
      template === '(function)'
        ? `The template function ${detail}`
        : placeholder === template
          ? `Template ${JSON.stringify(template)} ${detail}`
          : `${placeholder} in ${JSON.stringify(template)} ${detail}`,
    );
  }
}
