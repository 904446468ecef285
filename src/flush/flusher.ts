import { Logger } from '@nestjs/common';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { TupleWriter } from '../client/tuple-writer';
import { FlushOptions, FlushResult } from './flush-result';

export interface FlusherSettings {
  batchSize: number;
  leaseMs: number;
  /** Batches written at once by one flush. */
  lanes: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * Drains the buffer to OpenFGA: claims leased batches, writes them, settles
 * them. Any number of processes may flush at once; claims are atomic, so no
 * operation is written twice concurrently and none is skipped.
 */
export class Flusher {
  private readonly logger = new Logger('OpenFgaFlusher');
  private running?: Promise<FlushResult>;

  constructor(
    private readonly buffer: WriteBuffer,
    private readonly writer: TupleWriter,
    private readonly settings: FlusherSettings,
  ) {}

  /** True while a flush started by this process is running. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Flushes now. A flush already running in this process is awaited first, so this one sees everything enqueued before the call. */
  async flush(options: FlushOptions = {}): Promise<FlushResult> {
    while (this.running) await this.running.catch(() => undefined);
    return this.start(options);
  }

  /** Starts a flush unless one is running; for triggers, which must never wait. */
  kick(): void {
    if (this.running) return;
    this.start({}).catch((err: unknown) => this.logger.error(`Background flush failed: ${String(err)}`));
  }

  private start(options: FlushOptions): Promise<FlushResult> {
    const run = this.run(options).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async run({ timeoutMs, onProgress }: FlushOptions): Promise<FlushResult> {
    const started = Date.now();
    const deadline = timeoutMs === undefined ? Infinity : started + timeoutMs;
    const total: FlushResult = { writes: 0, deletes: 0, failed: 0, deadLettered: 0, durationMs: 0 };
    let stop = false;

    const lane = async () => {
      while (!stop && Date.now() < deadline) {
        const batch = await this.buffer.claim(this.settings.batchSize, this.settings.leaseMs);
        if (!batch) return;
        const heartbeat = setInterval(
          () => void this.buffer.extendLease(batch.id, this.settings.leaseMs).catch(() => undefined),
          this.settings.leaseMs / 3,
        );
        let outcome;
        try {
          outcome = await this.writer.write(batch.operations);
        } finally {
          clearInterval(heartbeat);
        }
        const attempts = Math.max(0, ...outcome.retry.map((o) => o.attempts));
        const left = await this.buffer.settle(batch.id, {
          acked: outcome.written.map((o) => o.key),
          dead: outcome.dead.map((d) => ({ key: d.operation.key, reason: d.reason })),
          retryAt: outcome.retry.length ? Date.now() + this.backoffMs(attempts) : 0,
        });
        if (left === -1) {
          // Our lease expired and another process took the batch over; it will be written there.
          this.logger.warn(`Lease of batch ${batch.id} was lost before it was settled (flush took longer than leaseTtl?)`);
        }
        for (const o of outcome.written) total[o.kind === 'grant' ? 'writes' : 'deletes']++;
        total.deadLettered += outcome.dead.length;
        total.failed += outcome.retry.length;
        if (outcome.dead.length) {
          this.logger.warn({
            message: 'Operations dead-lettered',
            count: outcome.dead.length,
            reasons: [...new Set(outcome.dead.map((d) => d.reason))],
          });
        }
        if (outcome.lastError) {
          total.error = outcome.lastError.message;
          stop = true; // OpenFGA is struggling: leave the rest buffered instead of hammering it.
        }
        onProgress?.({ ...total, durationMs: Date.now() - started });
      }
    };
    await Promise.all(Array.from({ length: this.settings.lanes }, lane));

    total.durationMs = Date.now() - started;
    if (total.writes + total.deletes + total.failed + total.deadLettered > 0) {
      await this.buffer.recordFlush(total);
      this.logger.log({ message: 'Flushed', ...total });
    }
    return total;
  }

  /** Exponential backoff with ±20 % jitter, so many processes do not retry in step. */
  private backoffMs(attempts: number): number {
    const base = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** attempts);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}
