import type { ClaimedBatch } from '../buffer/buffered-operation';
import type { BatchLease } from './batch-lease';
import type { FlushResult } from './flush-result';

/** What became of one claimed batch; the flusher sums these into its `FlushResult`. */
export type BatchReport = Omit<FlushResult, 'durationMs'>;

/**
 * Where the flusher hands each claimed batch: written in this process
 * (`InlineDispatcher`) or enqueued as one job for a queue worker (the queue
 * adapter's producer). The claim loop is the same for both.
 */
export interface BatchDispatcher {
  /** `queue` results also count `queued` operations and `jobs`. */
  readonly kind: 'inline' | 'queue';
  /** The lease batches are claimed under: long enough for the dispatcher to settle them or renew it. */
  readonly leaseMs: number;
  /**
   * Takes a claimed batch over; it must end settled, or leased (to be
   * settled later, or returned to the buffer when the lease expires).
   * A report with `error` stops the flush: the backend is struggling.
   * `lease` is renewed from the claim until `dispatch` returns: a writer
   * starts no request once it aborts (see BatchLease).
   */
  dispatch(batch: ClaimedBatch, lease: BatchLease): Promise<BatchReport>;
}
