/** Thrown at start-up when an option is missing or malformed; the message names the option and its expected form. */
export class InvalidOptionsError extends Error {
  override readonly name = 'InvalidOptionsError';

  constructor(
    readonly option: string,
    readonly expected: string,
    received: unknown,
  ) {
    super(`OpenFgaModule option "${option}" must be ${expected} (received ${JSON.stringify(received) ?? String(received)})`);
  }
}
