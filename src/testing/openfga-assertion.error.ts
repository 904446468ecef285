import { OpenFgaError } from '../errors/openfga.error';

/**
 * Thrown by the fake's `assert*` methods. The message says what was expected
 * and lists what the fake recorded, so a failing test explains itself.
 *
 * @example
 * expect(() => fake.assertGranted('user:anne', 'viewer', 'document:1')).toThrow(OpenFgaAssertionError);
 */
export class OpenFgaAssertionError extends OpenFgaError {
  override readonly name = 'OpenFgaAssertionError';
}
