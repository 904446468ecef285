import { Logger } from '@nestjs/common';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { BatchDispatcher, BatchReport } from './batch-dispatcher';
import { FlushOptions, FlushResult } from './flush-result';

export interface FlusherSettings {
  batchSize: number;
  /** Batches claimed (and dispatched) at once by one flush. */
  lanes: number;
}

/**
 * Drains the buffer: claims leased batches and hands each to a dispatcher,
 * which writes it inline or enqueues it as a job. Any number of processes
 * may flush at once; claims are atomic, so no operation is written twice
 * concurrently and none is skipped.
 */
export class Flusher {
  private readonly logger = new Logger('OpenFgaFlusher');
  private running?: Promise<FlushResult>;

  constructor(
    private readonly buffer: WriteBuffer,
    private readonly dispatcher: BatchDispatcher,
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
    if (this.dispatcher.kind === 'queue') Object.assign(total, { queued: 0, jobs: 0 });
    let stop = false;

    const lane = async () => {
      while (!stop && Date.now() < deadline) {
        const batch = await this.buffer.claim(this.settings.batchSize, this.dispatcher.leaseMs);
        if (!batch) return;
        const report = await this.dispatcher.dispatch(batch);
        add(total, report);
        // The backend (OpenFGA or the queue's Redis) is struggling: leave the rest buffered instead of hammering it.
        if (report.error) stop = true;
        onProgress?.({ ...total, durationMs: Date.now() - started });
      }
    };
    await Promise.all(Array.from({ length: this.settings.lanes }, lane));

    total.durationMs = Date.now() - started;
    if (total.writes + total.deletes + total.failed + total.deadLettered + (total.queued ?? 0) > 0) {
      await this.buffer.recordFlush(total);
      this.logger.log({ message: this.dispatcher.kind === 'queue' ? 'Flush jobs enqueued' : 'Flushed', ...total });
      this.buffer.events.emit('flushed', { ...total, mode: this.dispatcher.kind });
      if (total.failed > 0) this.buffer.events.emit('flushFailed', { error: total.error ?? 'unknown error', failed: total.failed });
    }
    return total;
  }
}

function add(total: FlushResult, report: BatchReport): void {
  total.writes += report.writes;
  total.deletes += report.deletes;
  total.failed += report.failed;
  total.deadLettered += report.deadLettered;
  if (report.queued !== undefined) total.queued = (total.queued ?? 0) + report.queued;
  if (report.jobs !== undefined) total.jobs = (total.jobs ?? 0) + report.jobs;
  if (report.error) total.error = report.error;
}
