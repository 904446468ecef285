import { OpenFgaError } from '../errors/openfga.error';

/** Thrown by `check` for options it does not know or cannot use; names the option and the expected form. */
export class InvalidCheckOptionsError extends OpenFgaError {
  override readonly name = 'InvalidCheckOptionsError';

  constructor(
    /** The offending option, e.g. `options.context`. */
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Invalid check ${field}: expected ${expected}`);
  }
}
