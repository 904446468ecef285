import { OpenFgaError } from '../errors/openfga.error';

/**
 * Thrown by `grant`/`revoke`/`check` when a tuple field is malformed, or names
 * what the authorization model does not allow. Nothing has been written when it is thrown.
 */
export class InvalidTupleError extends OpenFgaError {
  override readonly name = 'InvalidTupleError';

  constructor(
    /** The offending field: `user`, `relation` or `object` (prefixed with the index in batch calls). */
    readonly field: string,
    /** The value received, truncated for display. */
    readonly value: unknown,
    /** The form the field must have (against the model: what the model allows there). */
    readonly expected: string,
    /** Why the model refuses the value, in place of the generic message (`"vewer" is not a relation of document (document has: …)`). */
    reason?: string,
  ) {
    super(reason === undefined ? `Invalid ${field} ${describe(value)}: expected ${expected}` : `${field}: ${reason}`);
  }
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return `(${value === null ? 'null' : typeof value})`;
  const shown = value.length > 80 ? `${value.slice(0, 80)}…(${value.length} chars)` : value;
  // Invisible characters are shown escaped, so the message says exactly what was wrong.
  return JSON.stringify(shown).replace(
    /[\u007f-\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
