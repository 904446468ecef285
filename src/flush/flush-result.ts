/**
 * What one flush did.
 *
 * In queue mode (`queue.enabled`) a flush writes nothing itself: it hands
 * each claimed batch to one BullMQ job. Then `writes`, `deletes` and
 * `deadLettered` are 0, `queued` counts the operations handed to jobs and
 * `jobs` the jobs enqueued; what the workers write is logged by them and
 * recorded as the store's `lastFlush`.
 */
export interface FlushResult {
  /** Grants OpenFGA accepted. */
  writes: number;
  /** Revokes OpenFGA accepted. */
  deletes: number;
  /** Operations left in the buffer after a transient failure (retried with backoff); in queue mode, after a failure to enqueue their job. */
  failed: number;
  /** Operations OpenFGA rejected permanently, now in the dead-letter set. */
  deadLettered: number;
  durationMs: number;
  /** The last transient error, when `failed` > 0. */
  error?: string;
  /** Queue mode only: operations handed to BullMQ jobs (they stay leased in Redis until a worker settles them). */
  queued?: number;
  /** Queue mode only: BullMQ jobs enqueued, one per claimed batch. */
  jobs?: number;
}

export interface FlushOptions {
  /** Stop claiming new batches after this many ms; what is left stays buffered. */
  timeoutMs?: number;
  /** Called after every settled batch with the running totals. */
  onProgress?: (progress: FlushResult) => void;
}

/** Operations a flush dealt with: written, failed, dead-lettered, or handed to queue jobs. */
export function operationsProcessed(r: Pick<FlushResult, 'writes' | 'deletes' | 'failed' | 'deadLettered' | 'queued'>): number {
  return r.writes + r.deletes + r.failed + r.deadLettered + (r.queued ?? 0);
}
