import { OpenFgaError } from '../errors/openfga.error';

/**
 * Thrown by `grant`, `revoke`, `grantMany`, `revokeMany` and `clear` when
 * Redis applied the write but fewer replicas than `acknowledge.replicas`
 * confirmed it within `acknowledge.timeout`. The outcome is unknown: the
 * write is in the primary and will reach OpenFGA, unless the primary fails
 * over before a replica has it. Retrying a grant or revoke is safe (the last
 * operation on a tuple wins).
 */
export class ReplicationUnconfirmedError extends OpenFgaError {
  override readonly name = 'ReplicationUnconfirmedError';

  constructor(
    /** Replicas that confirmed the write in time. */
    readonly confirmed: number,
    /** Replicas asked for. */
    readonly required: number,
    readonly timeoutMs: number,
  ) {
    super(
      `Redis applied the write, but only ${confirmed} of ${required} replica(s) confirmed it within ${timeoutMs} ms: ` +
        'its outcome is unknown (it is lost if the primary fails over before a replica has it). Retrying is safe.',
    );
  }
}
