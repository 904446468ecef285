import type { OutstandingOp } from '../buffer/outstanding-ops';
import type { WriteBuffer } from '../buffer/write-buffer';
import { operationsProcessed } from '../flush/flush-result';
import type { Flusher } from '../flush/flusher';

/** How long one flush step of a waiting read may claim new batches. */
const FLUSH_SLICE_MS = 100;
/** How often a waiting read looks at the buffer when it has nothing to flush itself. */
const POLL_MS = 25;

/** Builds the error a read fails closed with (CheckUnavailableError, ListUnavailableError). */
export type ReadFailure = (reason: string, cause?: unknown) => Error;

/**
 * Getting buffered ops into OpenFGA before a read asks it: the relevant ops
 * alone by a priority claim (never the rest of the backlog), or, without a
 * graph, everything up to a position. Every wait fails closed at the
 * deadline.
 */
export class WriteFirst {
  constructor(
    private readonly buffer: WriteBuffer,
    private readonly flusher: Flusher,
  ) {}

  /** Writes the given ops ahead of the backlog (those not in flight elsewhere); does not wait for ops in flight. */
  async ops(ops: readonly OutstandingOp[], deadline: number, fail: ReadFailure): Promise<void> {
    if (Date.now() >= deadline) throw fail('the operations it depends on could not reach OpenFGA in time');
    const result = await this.flusher.flushTuples(ops.map((op) => op.key));
    if (result.failed > 0) throw fail(`the operations it depends on could not be written: ${result.error ?? 'OpenFGA unavailable'}`);
    // Nothing claimable: in flight in another process or a queue job; give it a moment.
    if (operationsProcessed(result) === 0 && !result.queued) await pause(POLL_MS);
  }

  /** Writes the given ops first and waits until each is settled (or superseded by a newer op on its tuple). */
  async settled(ops: readonly OutstandingOp[], deadline: number, fail: ReadFailure): Promise<void> {
    let left = [...ops];
    while (left.length > 0) {
      await this.ops(left, deadline, fail);
      const seqs = await this.buffer.outstandingPositions(left.map((op) => op.key));
      left = left.filter((op, i) => seqs[i] !== null && seqs[i]! <= op.seq);
      if (left.length > 0) await pause(POLL_MS);
    }
  }

  /**
   * Flushes until every op up to `seq` has reached OpenFGA (or was
   * dead-lettered). A position beyond the latest one handed out (a forged
   * token, or one from before Redis lost its data) counts as the latest:
   * nothing past it exists to wait for. A flush this process is already
   * running is not awaited (it may drain a large backlog): the position is
   * polled instead.
   */
  async through(seq: number, deadline: number, fail: ReadFailure): Promise<void> {
    let target: number | undefined;
    for (;;) {
      const { oldestOutstanding, latest } = await this.buffer.positions();
      target ??= Math.min(seq, latest);
      if (oldestOutstanding === null || oldestOutstanding > target) return;
      if (Date.now() >= deadline) throw fail('buffered writes could not reach OpenFGA in time');
      // A short slice: under a steady stream of writes a flush would otherwise keep claiming newer batches.
      const slice = this.flusher.flushSlice(Math.max(0, Math.min(FLUSH_SLICE_MS, deadline - Date.now())));
      if (!slice) {
        await pause(POLL_MS);
        continue;
      }
      const result = await slice;
      if (result.failed > 0) throw fail(`buffered writes could not be written: ${result.error ?? 'OpenFGA unavailable'}`);
      if (operationsProcessed(result) === 0) await pause(POLL_MS);
    }
  }
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
