import type { CoreLogger } from '../logging/core-logger';
import type { BufferedOperation } from '../buffer/buffered-operation';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { WriteOutcome } from '../client/tuple-writer';

/**
 * A settle found the batch taken over (its lease expired while this process
 * stalled): what it wrote may have landed after a newer write, so the latest
 * op of each tuple is queued again. So is a condition replacement that sent
 * its delete but did not confirm its write: that delete may have landed
 * after another writer wrote the same op.
 */
export async function reassertLost(
  buffer: WriteBuffer,
  logger: CoreLogger,
  batchId: string,
  outcome: Pick<WriteOutcome<BufferedOperation>, 'written' | 'halfReplaced'>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const { written, halfReplaced } = outcome;
  const { queued, unknown } = await buffer.reassert(written, halfReplaced);
  logger.warn({
    message: 'Batch lease lost before it was settled (the flusher stalled longer than leaseTtl?); latest operations re-asserted',
    batchId,
    ...extra,
    written: written.length,
    halfReplaced: halfReplaced.length,
    reasserted: queued,
    unrecorded: unknown,
  });
}
