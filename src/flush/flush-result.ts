/** What one flush did. */
export interface FlushResult {
  /** Grants OpenFGA accepted. */
  writes: number;
  /** Revokes OpenFGA accepted. */
  deletes: number;
  /** Operations left in the buffer after a transient failure (retried with backoff). */
  failed: number;
  /** Operations OpenFGA rejected permanently, now in the dead-letter set. */
  deadLettered: number;
  durationMs: number;
  /** The last transient error, when `failed` > 0. */
  error?: string;
}

export interface FlushOptions {
  /** Stop claiming new batches after this many ms; what is left stays buffered. */
  timeoutMs?: number;
  /** Called after every settled batch with the running totals. */
  onProgress?: (progress: FlushResult) => void;
}
