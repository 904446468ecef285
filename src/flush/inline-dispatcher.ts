import { coreLogger } from '../logging/core-logger';
import type { ClaimedBatch } from '../buffer/buffered-operation';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { TupleWriter } from '../client/tuple-writer';
import { retryAtFor } from './backoff';
import type { BatchReport } from './batch-dispatcher';
import type { BatchLease } from './batch-lease';
import { reassertLost } from './reassert-lost';
import type { OverlappingDispatcher } from './flusher';

export interface InlineDispatcherSettings {
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * Inline mode: the flushing process writes each batch to OpenFGA itself,
 * under the lease the flusher keeps (no request starts once it is lost or
 * about to be), and settles it. Operations hit by a transient failure stay
 * leased until their backoff ends, then return to the buffer.
 */
export class InlineDispatcher implements OverlappingDispatcher {
  readonly kind = 'inline';
  private readonly logger = coreLogger('OpenFgaFlusher');

  constructor(
    private readonly buffer: WriteBuffer,
    private readonly writer: TupleWriter,
    private readonly settings: InlineDispatcherSettings,
  ) {}

  get leaseMs(): number {
    return this.settings.leaseMs;
  }

  async dispatch(batch: ClaimedBatch, lease: BatchLease): Promise<BatchReport> {
    const { report, settled } = await this.dispatchOverlapped(batch, lease);
    await settled;
    return report;
  }

  /**
   * Writes the batch and starts settling it: resolves once it is written,
   * with the settle still under way in `settled`, so the flusher can start
   * the next write meanwhile (the report does not depend on the settle).
   */
  async dispatchOverlapped(batch: ClaimedBatch, lease: BatchLease): Promise<{ report: BatchReport; settled: Promise<void> }> {
    const outcome = await this.writer.write(batch.operations, { fence: lease.fence });
    // Stopped by the lease, not by OpenFGA: the rest returns at the next claim, without a backoff.
    const backoff = outcome.retry.length > 0 && !lease.signal.aborted;
    const settled = this.buffer
      .settle(batch.id, {
        acked: outcome.written.map((o) => o.key),
        dead: outcome.dead.map((d) => ({ key: d.operation.key, reason: d.reason })),
        retryAt: backoff ? retryAtFor(outcome.retry, this.settings.retryBaseMs, this.settings.retryMaxMs) : 0,
        held: true,
      })
      .then(async (left) => {
        if (left === -1) await reassertLost(this.buffer, this.logger, batch.id, outcome);
      });
    // Awaited by the caller; this only keeps a failure from counting as unhandled meanwhile.
    settled.catch(() => undefined);
    if (outcome.dead.length) {
      this.logger.warn({
        message: 'Operations dead-lettered',
        count: outcome.dead.length,
        reasons: [...new Set(outcome.dead.map((d) => d.reason))],
      });
    }
    const report: BatchReport = {
      writes: outcome.written.filter((o) => o.kind === 'grant').length,
      deletes: outcome.written.filter((o) => o.kind === 'revoke').length,
      failed: outcome.retry.length,
      deadLettered: outcome.dead.length,
    };
    if (outcome.lastError) report.error = outcome.lastError.message;
    return { report, settled };
  }
}
