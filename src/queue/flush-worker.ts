import { coreLogger } from '../logging/core-logger';
import { Worker } from 'bullmq';
import type { FlushBatchProcessor } from './flush-batch.processor';
import type { FlushJobData, FlushJobName, FlushJobResult } from './flush-job';
import type { QueueConnection } from './queue-connection';
import type { QueueSettings } from './queue-settings';

const READY_TIMEOUT_MS = 5000;

/**
 * Runs the BullMQ worker of the flush queue around a `FlushBatchProcessor`,
 * the way @nestjs/bullmq hosts a `WorkerHost`: the worker is created here,
 * the processing logic lives in the processor.
 */
export class FlushWorker {
  private readonly logger = coreLogger('OpenFgaFlushWorker');
  private worker?: Worker<FlushJobData, FlushJobResult, FlushJobName>;

  constructor(
    private readonly processor: FlushBatchProcessor,
    private readonly settings: QueueSettings,
    private readonly connection: QueueConnection,
  ) {}

  get running(): boolean {
    return this.worker !== undefined;
  }

  async start(): Promise<void> {
    if (this.worker) return;
    const s = this.settings;
    const worker = new Worker<FlushJobData, FlushJobResult, FlushJobName>(
      s.name,
      (job, token, signal) => this.processor.process(job, token, signal),
      {
        connection: this.connection.connection,
        prefix: s.bullPrefix,
        concurrency: s.concurrency,
        // Short locks and stalled checks tied to the job timeout: a worker killed mid-job
        // is noticed and its job handed to another worker while the batch is still leased.
        lockDuration: s.lockMs,
        stalledInterval: s.lockMs,
        autorun: true,
      },
    );
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
    await this.connection.dispose();
  }
}
