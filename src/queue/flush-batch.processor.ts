import { randomUUID } from 'node:crypto';
import { coreLogger } from '../logging/core-logger';
import { Job, UnrecoverableError } from 'bullmq';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { BufferedOperation } from '../buffer/buffered-operation';
import type { ClassifiedError } from '../client/classify-error';
import type { TupleWriter, WriteOutcome } from '../client/tuple-writer';
import { retryAtFor } from '../flush/backoff';
import { BatchLease } from '../flush/batch-lease';
import { reassertLost } from '../flush/reassert-lost';
import type { FlushJobData, FlushJobName, FlushJobResult } from './flush-job';
import { isOpenFgaUnreachable } from './is-openfga-unreachable';
import type { QueueSettings } from './queue-settings';

/** The reason of an op in `retry` with none recorded (none is left so): counted as unreachable, so never dead-lettered. */
const UNKNOWN: ClassifiedError = { kind: 'transient', message: 'flush failed' };

/** A flush job as the processor receives it. */
export type FlushJob = Job<FlushJobData, FlushJobResult, FlushJobName>;

/**
 * Processes one flush job: loads the leased batch it names, writes it with
 * the `TupleWriter` (renewing the lease meanwhile) and settles it.
 *
 * - Permanent rejections are dead-lettered by operation; the job succeeds.
 * - A transient failure (or the job timeout) throws, so BullMQ retries the
 *   job with its exponential backoff; the rest of the batch stays leased.
 * - On the last attempt, each operation left is decided by its own failure:
 *   one OpenFGA could not take because it was unreachable (network,
 *   timeout, 5xx, 429) returns to the buffer after a backoff, and a later
 *   flush enqueues it again: an outage never dead-letters (invariant 4).
 *   One refused for any other reason (credentials, a missing store or model)
 *   is dead-lettered with that reason. Either way the job fails.
 * - A batch no longer leased (it was settled, or its lease expired and claim
 *   returned it to the buffer) is left alone: the job ends as `gone`.
 * - A processing owns the batch (BullMQ's lock token) until it settles: a
 *   second processing of the same job (BullMQ's stalled-job recovery while
 *   the first still runs) writes nothing while the owner renews its
 *   ownership, and ends as `gone`. It takes over an owner that stopped
 *   renewing (died or stalled) once that ownership ended plus the grace.
 *   An owner whose ownership is lost or about to end starts no request.
 */
export class FlushBatchProcessor {
  private readonly logger = coreLogger('OpenFgaFlushWorker');

  constructor(
    private readonly buffer: WriteBuffer,
    private readonly writer: TupleWriter,
    private readonly settings: QueueSettings,
  ) {}

  async process(job: FlushJob, token?: string, cancel?: AbortSignal): Promise<FlushJobResult> {
    const s = this.settings;
    const { batchId, storeId, prefix } = job.data;
    if (storeId !== s.storeId || prefix !== s.prefix) {
      // Queue keys are per store and prefix, so only a misrouted job gets here; retrying cannot help.
      throw new UnrecoverableError(
        `Flush job ${job.id} belongs to store ${storeId} (prefix "${prefix}"), this worker serves ${s.storeId} (prefix "${s.prefix}")`,
      );
    }
    const gone: FlushJobResult = { outcome: 'gone', writes: 0, deletes: 0, deadLettered: 0 };
    const owner = token ?? randomUUID();
    const lease = await this.own(batchId, owner);
    if (!lease) return this.gone(job, gone);
    let batch;
    try {
      batch = await this.buffer.loadBatch(batchId);
    } catch (err) {
      lease.stop();
      throw err;
    }
    if (!batch) {
      lease.stop();
      return this.gone(job, gone);
    }

    const attempt = job.attemptsMade + 1;
    const final = attempt >= (job.opts.attempts ?? 1);
    const started = Date.now();
    let outcome: WriteOutcome<BufferedOperation>;
    try {
      outcome = await this.writeWithinTimeout(batch.operations, lease, cancel);
    } finally {
      lease.stop();
    }

    const lastError = outcome.lastError?.message ?? 'flush failed';
    const gaveUp = `flush job gave up after ${attempt} attempt${attempt > 1 ? 's' : ''}`;
    const dead = outcome.dead.map((d) => ({ key: d.operation.key, reason: d.reason }));
    // The final attempt decides each op by its own failure: one OpenFGA could not be reached for returns
    // to the buffer, one refused for another reason (credentials, a missing model) is dead-lettered.
    const reason = (op: BufferedOperation) => outcome.retryReasons.get(op) ?? UNKNOWN;
    const left = final ? outcome.retry.filter((op) => isOpenFgaUnreachable(reason(op))) : outcome.retry;
    if (final) {
      for (const op of outcome.retry) {
        if (!isOpenFgaUnreachable(reason(op))) dead.push({ key: op.key, reason: `${reason(op).message} (${gaveUp})` });
      }
    }
    const returning = final && left.length > 0;
    // Returned: claim takes the rest back once its backoff ends, and the age trigger enqueues it in a new job.
    // Otherwise whatever is left is still this job's: the lease must outlive BullMQ's retries.
    const retryAt = returning ? retryAtFor(left, s.retryBaseMs, s.retryMaxMs) : Date.now() + s.leaseMs;
    const settled = await this.buffer.settle(batchId, {
      acked: outcome.written.map((o) => o.key),
      dead,
      retryAt,
      held: returning,
      owner,
    });
    if (settled === -1) {
      // The lease expired under us (claim returned the batch to the buffer) or another processing took it
      // over: it is written from there, so retrying this job would only duplicate work. What we wrote may
      // have landed after a newer write: re-assert the latest ops.
      await reassertLost(this.buffer, this.logger, batchId, outcome, { jobId: job.id });
      return gone;
    }
    const result: FlushJobResult = {
      outcome: 'settled',
      writes: outcome.written.filter((o) => o.kind === 'grant').length,
      deletes: outcome.written.filter((o) => o.kind === 'revoke').length,
      deadLettered: dead.length,
    };
    const failed = left.length;
    await this.buffer
      .recordFlush({ ...result, failed, durationMs: Date.now() - started, jobId: job.id, attempt, ...(failed ? { error: lastError } : {}) })
      .catch(() => undefined);
    this.buffer.events.emit('flushed', {
      writes: result.writes,
      deletes: result.deletes,
      deadLettered: result.deadLettered,
      failed,
      durationMs: Date.now() - started,
      mode: 'queue',
      jobId: job.id ?? batchId,
      ...(failed ? { error: lastError } : {}),
    });
    if (failed) this.buffer.events.emit('flushFailed', { error: lastError, failed });
    if (dead.length) {
      this.logger.warn({
        message: 'Operations dead-lettered',
        jobId: job.id,
        count: dead.length,
        reasons: [...new Set(dead.map((d) => d.reason))],
      });
    }
    if (outcome.retry.length) {
      // Throwing hands the job back to BullMQ: retried after its backoff, or failed after the last attempt.
      // Returning: the error of the ops that return (BullMQ keeps one per attempt), not of those dead-lettered.
      if (returning) throw new Error(`${reason(left[left.length - 1]).message} (${gaveUp}; its operations return to the buffer)`);
      throw new Error(lastError);
    }
    return result;
  }

  /**
   * Takes (or renews) this processing's ownership of the batch and keeps it
   * until the write ends. A batch owned by another processing that renews
   * it: undefined (gone). One whose owner stopped renewing is taken over
   * once its ownership ended plus the grace (waited for here, bounded by one ownership).
   */
  private async own(batchId: string, token: string): Promise<BatchLease | undefined> {
    const s = this.settings;
    const owner = { token, ownMs: s.lockMs };
    const renew = (at: number) => this.buffer.renewLease(batchId, s.leaseMs, at, owner);
    for (let waited = false; ; waited = true) {
      const at = Date.now();
      const found = await renew(at);
      if (found.status === 'held') {
        const lease = new BatchLease(async (sentAt) => ((await renew(sentAt)).status === 'held' ? 'held' : 'lost'), {
          leaseMs: s.lockMs,
          validUntil: at + s.lockMs,
        });
        return lease;
      }
      if (found.status === 'gone' || waited) return undefined;
      const wait = found.ownedUntil + this.buffer.graceMs + 10 - Date.now();
      if (wait > s.lockMs + this.buffer.graceMs + 1000) return undefined; // an owner's clock far ahead: leave it
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
    }
  }

  /** Writes under the ownership lease; at the job timeout (or a BullMQ cancel) stops sending and returns what is left as `retry`. */
  private async writeWithinTimeout(
    operations: readonly BufferedOperation[],
    lease: BatchLease,
    cancel?: AbortSignal,
  ): Promise<WriteOutcome<BufferedOperation>> {
    const s = this.settings;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`flush job timed out after ${s.timeoutMs} ms`)), s.timeoutMs);
    const onCancel = () => controller.abort(cancel?.reason ?? new Error('flush job cancelled'));
    cancel?.addEventListener('abort', onCancel);
    try {
      return await this.writer.write(operations, { signal: controller.signal, fence: lease.fence });
    } finally {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onCancel);
    }
  }

  private gone(job: FlushJob, result: FlushJobResult): FlushJobResult {
    this.logger.log({ message: 'Batch no longer leased; nothing to write', batchId: job.data.batchId, jobId: job.id });
    return result;
  }
}
