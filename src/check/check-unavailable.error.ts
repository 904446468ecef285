import type { Tuple } from '../tuple/tuple';
import { OpenFgaError } from '../errors/openfga.error';

/** No trustworthy answer could be had (Redis or OpenFGA down, timeout). Always treat as a denial. */
export class CheckUnavailableError extends OpenFgaError {
  override readonly name = 'CheckUnavailableError';

  constructor(
    readonly tuple: Tuple,
    reason: string,
    cause?: unknown,
  ) {
    super(`Check ${tuple.user} ${tuple.relation} ${tuple.object} could not be answered: ${reason}`, { cause: redactedCause(cause) });
  }
}

/**
 * Only the cause's name and message are kept: @openfga/sdk errors carry the
 * request they failed on (for a token request, the client secret), and
 * loggers serialize causes.
 */
function redactedCause(cause: unknown): Error | undefined {
  if (cause === undefined) return undefined;
  const redacted = new Error(cause instanceof Error ? cause.message : String(cause));
  redacted.name = cause instanceof Error ? cause.name : 'Error';
  return redacted;
}
