import { OpenFgaError } from '../errors/openfga.error';

/** An authorization model the relation graph cannot be compiled from; names the field and the expected form. */
export class InvalidModelError extends OpenFgaError {
  override readonly name = 'InvalidModelError';

  constructor(
    readonly field: string,
    readonly expected: string,
    readonly value: unknown,
  ) {
    super(
      `Invalid authorization model: ${field} must be ${expected}, got ${value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 80)}`,
    );
  }
}
