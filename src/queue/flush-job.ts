/** Name of the one job type on the flush queue. */
export const FLUSH_JOB_NAME = 'flush-batch';

export type FlushJobName = typeof FLUSH_JOB_NAME;

/**
 * Data of a flush job: which leased batch to write, and whose. The
 * operations themselves stay in Redis (the batch hash), so a job never
 * carries tuples that may be stale or duplicated elsewhere.
 */
export interface FlushJobData {
  /** The claimed batch (also the job id, so a batch is never enqueued twice). */
  batchId: string;
  /** Store and key prefix the batch belongs to; a worker refuses jobs of another. */
  storeId: string;
  prefix: string;
  /** Operations in the batch when it was enqueued (informational, for dashboards). */
  operations: number;
}

/** What a finished flush job did. */
export interface FlushJobResult {
  /** `gone`: the batch was no longer leased (settled elsewhere, or returned to the buffer after its lease expired). */
  outcome: 'settled' | 'gone';
  writes: number;
  deletes: number;
  deadLettered: number;
}
