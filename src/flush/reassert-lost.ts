import type { CoreLogger } from '../logging/core-logger';
import type { BufferedOperation } from '../buffer/buffered-operation';
import type { WriteBuffer } from '../buffer/write-buffer';

/**
 * A settle found the batch taken over (its lease expired while this process
 * stalled): what it wrote may have landed after a newer write, so the latest
 * op of each tuple is queued again.
 */
export async function reassertLost(
  buffer: WriteBuffer,
  logger: CoreLogger,
  batchId: string,
  written: readonly BufferedOperation[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  const { queued, unknown } = await buffer.reassert(written);
  logger.warn({
    message: 'Batch lease lost before it was settled (the flusher stalled longer than leaseTtl?); latest operations re-asserted',
    batchId,
    ...extra,
    written: written.length,
    reasserted: queued,
    unrecorded: unknown,
  });
}
