import { OpenFgaError } from '../errors/openfga.error';

/**
 * Thrown by `grantMany`/`revokeMany` when a call too large for one step
 * failed part-way: the first `completed` of its `total` tuples (after
 * coalescing, in the order given) took effect, the rest did not. Repeating
 * the whole call is safe: an operation applied twice changes nothing.
 */
export class IncompleteWriteError extends OpenFgaError {
  override readonly name = 'IncompleteWriteError';

  constructor(
    /** Tuples that took effect before the failure. */
    readonly completed: number,
    /** Distinct tuples in the call. */
    readonly total: number,
    /** Where they took effect: buffered in Redis, or written to OpenFGA (write-through). */
    readonly where: string,
    cause: unknown,
  ) {
    super(
      `Only ${completed} of ${total} tuples were ${where} before a failure (repeating the whole call is safe): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
