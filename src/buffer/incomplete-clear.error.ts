import { OpenFgaError } from '../errors/openfga.error';

/**
 * Thrown by `clear()` when a backlog too large for one step failed part-way:
 * `discarded` ops are gone, the rest are still pending. Calling `clear()`
 * again finishes it.
 */
export class IncompleteClearError extends OpenFgaError {
  override readonly name = 'IncompleteClearError';

  constructor(
    /** Pending operations discarded before the failure. */
    readonly discarded: number,
    cause: unknown,
  ) {
    super(
      `Only ${discarded} pending operations were discarded before a failure; the rest are still pending (calling clear() again finishes it): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
