import { OpenFgaError } from '../errors/openfga.error';

const IDS_FORM = 'an array of dead-letter ids (non-empty strings, as getDeadLetters returns them), or nothing for all';

/** `retryDeadLetters`/`purgeDeadLetters` got ids that are not an array of ids; nothing was read or deleted. */
export class InvalidDeadLetterIdsError extends OpenFgaError {
  override readonly name = 'InvalidDeadLetterIdsError';
  readonly field = 'ids';

  constructor(readonly received: unknown) {
    super(`Dead-letter ids must be ${IDS_FORM} (received ${describe(received)})`);
  }
}

/**
 * The ids `retryDeadLetters`/`purgeDeadLetters` take: undefined (all) or an array of strings. A
 * string passed from JavaScript would otherwise be spread into its characters (`'12'` purging the
 * letters `1` and `2`); refused before anything is read or deleted.
 */
export function validateDeadLetterIds(ids: unknown): readonly string[] | undefined {
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) throw new InvalidDeadLetterIdsError(ids);
  return ids as readonly string[];
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
