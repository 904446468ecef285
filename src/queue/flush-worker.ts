import { coreLogger } from '../logging/core-logger';
import type { Worker } from 'bullmq';
import type { FlushJobData, FlushJobName, FlushJobResult } from './flush-job';

const READY_TIMEOUT_MS = 5000;

/** The BullMQ worker of the flush queue. */
export type FlushJobWorker = Worker<FlushJobData, FlushJobResult, FlushJobName>;

/** Where a flush worker comes from: opened here (plain BullMQ), or built by @nestjs/bullmq around a `WorkerHost`. */
export interface FlushWorkerSource {
  /** The worker, running (or started here), with the `FlushBatchProcessor` as its processor. */
  open(): FlushJobWorker;
  /** Closes what the source opened for the worker (connection templates), after the worker closed. */
  dispose(): Promise<void>;
}

/**
 * Runs the flush queue's worker: logs its failures, bounds the wait for its
 * connection, and closes it (active jobs first) before the core closes Redis.
 */
export class FlushWorker {
  private readonly logger = coreLogger('OpenFgaFlushWorker');
  private worker?: FlushJobWorker;

  constructor(private readonly source: FlushWorkerSource) {}

  get running(): boolean {
    return this.worker !== undefined;
  }

  async start(): Promise<void> {
    if (this.worker) return;
    const worker = this.source.open();
    worker.on('error', (err) => this.logger.error(`Flush worker error: ${err.message}`));
    worker.on('failed', (job, err) => {
      if (!job) return;
      const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1);
      const entry = {
        message: exhausted ? 'Flush job failed after its last attempt' : 'Flush job failed; BullMQ retries it',
        jobId: job.id,
        attempt: job.attemptsMade,
        error: err.message,
      };
      if (exhausted) this.logger.error(entry);
      else this.logger.warn(entry);
    });
    this.worker = worker;
    // Bounded: an unreachable Redis must not hang the application's bootstrap; the worker keeps reconnecting.
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => {
      timer = setTimeout(() => resolve('slow'), READY_TIMEOUT_MS);
    });
    try {
      if ((await Promise.race([worker.waitUntilReady(), slow])) === 'slow') {
        this.logger.warn(`Flush worker not connected to Redis after ${READY_TIMEOUT_MS} ms; it keeps trying`);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    // Waits for active jobs: each is bounded by the job timeout plus one request timeout.
    if (worker) await worker.close();
    await this.source.dispose();
  }
}
