import type { CheckConsistency, ConsistencyToken } from '../../check/check-options';
import { ConsistencyTokens, InvalidConsistencyTokenError } from '../../consistency/consistency-token';
import type { FakeBuffer } from './fake-buffer';

/**
 * The buffer position a check or list at a fresh level must reflect (undefined: minimize-latency), as the
 * real read paths decide it; throws `InvalidConsistencyTokenError` for a bad token or level.
 */
export function fakeFreshnessTarget(
  { consistency = 'minimize-latency', token }: { consistency?: CheckConsistency; token?: ConsistencyToken },
  tokens: ConsistencyTokens,
  buffer: FakeBuffer,
): number | undefined {
  switch (consistency) {
    case 'minimize-latency':
      return undefined;
    case 'at-least-as-fresh':
      return tokens.decode(token);
    case 'strong':
      return buffer.latest;
    default:
      throw new InvalidConsistencyTokenError(consistency, 'consistency must be "minimize-latency", "at-least-as-fresh" or "strong"');
  }
}
