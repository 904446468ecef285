import { OpenFgaError } from '../errors/openfga.error';

/** Thrown by `listObjects`/`listUsers` for options they do not know or cannot use; names the option and the expected form. */
export class InvalidListOptionsError extends OpenFgaError {
  override readonly name = 'InvalidListOptionsError';

  constructor(
    /** The offending option, e.g. `options.contextualTuples[2].user`. */
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Invalid list ${field}: expected ${expected}`);
  }
}

/**
 * No complete, trustworthy list could be had (Redis or OpenFGA down, a
 * pending write that could not reach OpenFGA, `checkTimeout` passed). A
 * partial list is never returned instead: treat it as "nothing listed".
 */
export class ListUnavailableError extends OpenFgaError {
  override readonly name = 'ListUnavailableError';

  constructor(
    /** What was asked, e.g. `listObjects user:anne viewer document`. */
    readonly query: string,
    reason: string,
    cause?: unknown,
  ) {
    super(`${query} could not be answered: ${reason}`, { cause: redactedCause(cause) });
  }
}

/** Only the cause's name and message are kept: @openfga/sdk errors carry the request they failed on (credentials). */
function redactedCause(cause: unknown): Error | undefined {
  if (cause === undefined) return undefined;
  const redacted = new Error(cause instanceof Error ? cause.message : String(cause));
  redacted.name = cause instanceof Error ? cause.name : 'Error';
  return redacted;
}
