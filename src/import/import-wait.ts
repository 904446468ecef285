import type { FlushResult } from '../flush/flush-result';

/** What waiting for an import's tuples needs of a connection (see `moduleImportWaitTarget`). */
export interface ImportWaitTarget {
  /** The lowest buffer position not yet settled (null: nothing outstanding) and the latest handed out. */
  positions(): Promise<{ oldestOutstanding: number | null; latest: number }>;
  /** Operations pending or in flight, store-wide: for the progress line only. */
  outstanding(): Promise<number>;
  /** A flush that stops claiming batches after `timeoutMs`. */
  flush(timeoutMs: number): Promise<FlushResult>;
  /** Dead letters of operations buffered at positions in (`after`, `through`]. */
  deadLetteredBetween(after: number, through: number): Promise<number>;
  /** How many clears of the buffer have begun (see `ImportTarget.clears`). */
  clears(): Promise<number>;
}

export interface ImportWaitSettings {
  /** The latest buffer position before the import buffered its first tuple. */
  after: number;
  /** The buffer's clear count when the import began: a clear since may have discarded its tuples. */
  clears: number;
  onProgress?(outstanding: number, elapsedMs: number): void;
}

/** How a wait ended. */
export type ImportWaitOutcome =
  | { status: 'written'; durationMs: number }
  /** A flush of this process left operations to retry, or operations of the import's span were dead-lettered (by any process). */
  | { status: 'failed'; failed: number; deadLettered: number }
  /** The buffer was cleared during the import or the wait: its tuples may have been discarded, not written. */
  | { status: 'cleared' };

/** A flush slice: under a steady stream of other writes one flush would go on claiming newer batches. */
const FLUSH_SLICE_MS = 2000;
/** The sleep after a flush that claimed nothing starts here and doubles up to the max. */
const IDLE_MIN_MS = 50;
const IDLE_MAX_MS = 1000;

/**
 * Flushes until every operation buffered up to the moment the wait begins (the import's, and whatever
 * other writers buffered before it) is settled, then checks that none of the import's span was
 * dead-lettered and that no clear ran. Operations buffered after the wait began are not waited for:
 * under live traffic the buffer is never empty, and waiting for that would never end.
 *
 * While another process holds the rest in flight (a flusher's batch, a lease left by a killed one) a
 * flush claims nothing: the loop then sleeps, 50 ms doubling to 1 s, instead of asking Redis again at once.
 */
export async function waitForImport(target: ImportWaitTarget, settings: ImportWaitSettings): Promise<ImportWaitOutcome> {
  const started = Date.now();
  const through = (await target.positions()).latest;
  let idleMs = 0;
  for (;;) {
    const { oldestOutstanding } = await target.positions();
    if (oldestOutstanding === null || oldestOutstanding > through) break;
    settings.onProgress?.(await target.outstanding(), Date.now() - started);
    const result = await target.flush(FLUSH_SLICE_MS);
    if (result.failed > 0 || result.deadLettered > 0) return { status: 'failed', failed: result.failed, deadLettered: result.deadLettered };
    // In queue mode the workers write: give them time. Nothing claimed: the rest is in flight elsewhere.
    if (result.queued || result.writes + result.deletes === 0) {
      idleMs = result.queued ? IDLE_MAX_MS / 5 : Math.min(IDLE_MAX_MS, Math.max(IDLE_MIN_MS, idleMs * 2));
      await new Promise<void>((r) => setTimeout(r, idleMs));
    } else {
      idleMs = 0;
    }
  }
  // Another process's flusher (or a queue worker) may have dead-lettered some of them.
  const deadLettered = await target.deadLetteredBetween(settings.after, through);
  if (deadLettered > 0) return { status: 'failed', failed: 0, deadLettered };
  if ((await target.clears()) !== settings.clears) return { status: 'cleared' };
  return { status: 'written', durationMs: Date.now() - started };
}
