/**
 * Thrown by `grant`/`revoke`/`check` when a tuple field is malformed. Nothing
 * has been written when it is thrown.
 */
export class InvalidTupleError extends Error {
  override readonly name = 'InvalidTupleError';

  constructor(
    /** The offending field: `user`, `relation` or `object` (prefixed with the index in batch calls). */
    readonly field: string,
    /** The value received, truncated for display. */
    readonly value: unknown,
    /** The form the field must have. */
    readonly expected: string,
  ) {
    super(`Invalid ${field} ${describe(value)}: expected ${expected}`);
  }
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return `(${value === null ? 'null' : typeof value})`;
  const shown = value.length > 80 ? `${value.slice(0, 80)}…(${value.length} chars)` : value;
  return JSON.stringify(shown);
}
