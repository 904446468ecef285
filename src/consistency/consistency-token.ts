import { createHash } from 'node:crypto';
import { OpenFgaError } from '../errors/openfga.error';

/**
 * An opaque token naming the buffer position of a write:
 * `v1.<seq in base 36>.<store fingerprint>`. The fingerprint (prefix + store)
 * lets a token from another store or prefix be recognised as foreign.
 */
export class InvalidConsistencyTokenError extends OpenFgaError {
  override readonly name = 'InvalidConsistencyTokenError';
  constructor(
    readonly token: unknown,
    reason: string,
  ) {
    super(`Invalid consistency token: ${reason}`);
  }
}

export class ConsistencyTokens {
  private readonly fingerprint: string;

  constructor(prefix: string, storeId: string) {
    this.fingerprint = createHash('sha256').update(`${prefix}\n${storeId}`).digest('base64url').slice(0, 10);
  }

  encode(seq: number): string {
    return `v1.${seq.toString(36)}.${this.fingerprint}`;
  }

  /** Returns the buffer position; throws InvalidConsistencyTokenError for a malformed or foreign token. */
  decode(token: unknown): number {
    if (typeof token !== 'string') throw new InvalidConsistencyTokenError(token, 'expected a string returned by grant/revoke');
    const match = /^v1\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{10})$/.exec(token);
    if (!match) throw new InvalidConsistencyTokenError(token, 'expected the form "v1.<position>.<store>" returned by grant/revoke');
    if (match[2] !== this.fingerprint) throw new InvalidConsistencyTokenError(token, 'it was issued for another store or prefix');
    return parseInt(match[1], 36);
  }
}
