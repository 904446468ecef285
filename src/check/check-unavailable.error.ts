import type { Tuple } from '../tuple/tuple';

/** No trustworthy answer could be had (Redis or OpenFGA down, timeout). Always treat as a denial. */
export class CheckUnavailableError extends Error {
  override readonly name = 'CheckUnavailableError';

  constructor(
    readonly tuple: Tuple,
    reason: string,
    override readonly cause?: unknown,
  ) {
    super(`Check ${tuple.user} ${tuple.relation} ${tuple.object} could not be answered: ${reason}`);
  }
}
