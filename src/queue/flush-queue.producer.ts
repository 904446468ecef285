import { coreLogger } from '../logging/core-logger';
import type { Queue } from 'bullmq';
import type { ClaimedBatch } from '../buffer/buffered-operation';
import type { BatchDispatcher, BatchReport } from '../flush/batch-dispatcher';
import { FLUSH_JOB_NAME, FlushJobData, FlushJobName, FlushJobResult } from './flush-job';
import type { QueueSettings } from './queue-settings';

/** The flush queue as the producer and the processor see it. */
export type FlushJobQueue = Queue<FlushJobData, FlushJobResult, FlushJobName>;

/**
 * Queue mode's dispatcher: each claimed batch becomes one BullMQ job
 * (attempts with exponential backoff), claimed under a lease long enough
 * for the job's whole life. A worker (`FlushBatchProcessor`) writes and settles it.
 */
export class FlushQueueProducer implements BatchDispatcher {
  readonly kind = 'queue';
  private readonly logger = coreLogger('OpenFgaFlushQueue');

  constructor(
    private readonly queue: FlushJobQueue,
    private readonly settings: QueueSettings,
  ) {}

  get leaseMs(): number {
    return this.settings.leaseMs;
  }

  async dispatch(batch: ClaimedBatch): Promise<BatchReport> {
    const s = this.settings;
    const data: FlushJobData = { batchId: batch.id, storeId: s.storeId, prefix: s.prefix, operations: batch.operations.length };
    try {
      await this.queue.add(FLUSH_JOB_NAME, data, {
        jobId: batch.id,
        attempts: s.attempts,
        backoff: { type: 'exponential', delay: s.backoffMs },
        // Finished jobs are kept for inspection, bounded; dead letters keep the operations themselves.
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 5000 },
      });
      return { writes: 0, deletes: 0, failed: 0, deadLettered: 0, queued: batch.operations.length, jobs: 1 };
    } catch (err) {
      // The lease is left as it is: the job may exist after all (a lost reply). If it
      // does, its worker settles the batch; if not, the batch returns to the buffer when the lease expires.
      const message = `Could not enqueue flush job: ${err instanceof Error ? err.message : String(err)}`;
      this.logger.error({ message, batchId: batch.id, count: batch.operations.length });
      return { writes: 0, deletes: 0, failed: batch.operations.length, deadLettered: 0, queued: 0, jobs: 0, error: message };
    }
  }
}
