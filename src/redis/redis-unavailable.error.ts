import { OpenFgaError } from '../errors/openfga.error';

/**
 * Redis could not be reached, or did not answer within `redisTimeout`. For a
 * write (`grant`, `revoke`, `clear`, …), `outcomeUnknown` says whether the
 * command may still have been applied (it was sent, no answer came back);
 * when Redis was known to be down, nothing was sent and nothing was written.
 * Checks never throw it: they fail closed with `CheckUnavailableError`.
 */
export class RedisUnavailableError extends OpenFgaError {
  override readonly name = 'RedisUnavailableError';

  constructor(
    /** What could not be done, e.g. `grant` or `status`. */
    readonly operation: string,
    readonly reason: string,
    /** The command was sent and no answer came: it may have been applied. */
    readonly outcomeUnknown: boolean,
    cause?: unknown,
  ) {
    super(
      `Redis is unavailable (${reason}): ${operation} ${outcomeUnknown ? 'got no answer; its outcome is unknown' : 'was not done; nothing was written'}`,
      { cause },
    );
  }
}
