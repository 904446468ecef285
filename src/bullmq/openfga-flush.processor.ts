// Loaded only through flush-queue-registration (queue mode): it needs @nestjs/bullmq installed.
import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { storeKeys } from '../redis/redis-keys';
import type { FlushBatchProcessor, FlushJob } from '../queue/flush-batch.processor';
import type { FlushJobResult } from '../queue/flush-job';
import type { FlushWorkerHost } from '../queue/flush-queue';
import type { FlushJobWorker, FlushWorkerSource } from '../queue/flush-worker';
import { flushWorkerOptions } from '../queue/plain-worker-source';
import type { QueueConnection } from '../queue/queue-connection';
import { queueSettings, QueueSettings } from '../queue/queue-settings';
import { SharedBullConfig, workerSource } from './bull-connections';
import { OPENFGA_BULL_CONFIG_KEY } from './flush-queue.constants';

/**
 * The flush queue's processor as @nestjs/bullmq hosts one: its explorer
 * builds the worker (`autorun: false`); queue mode starts it at bootstrap
 * (`queue.worker`) and closes it before the core closes Redis, so active jobs settle first.
 * Jobs go to the core's `FlushBatchProcessor` (leases, fencing, retries, dead letters).
 */
export class OpenFgaFlushProcessor extends WorkerHost implements FlushWorkerHost {
  private delegate?: FlushBatchProcessor;

  constructor(private readonly connection?: QueueConnection) {
    super();
  }

  bind(processor: FlushBatchProcessor, settings: QueueSettings): FlushWorkerSource {
    this.delegate = processor;
    return {
      open: () => {
        // The explorer types it as a Worker of any job; it runs this processor's flush jobs only.
        const worker = this.worker as unknown as FlushJobWorker;
        if (worker.name !== settings.name)
          throw new Error(`Flush processor built for queue "${worker.name}", queue mode uses "${settings.name}"`);
        // Resolves when the worker closes; a failure to start is reported like the worker's other errors.
        worker.run().catch((err: Error) => worker.emit('error', err));
        return worker;
      },
      dispose: async () => this.connection?.dispose(),
    };
  }

  async process(job: FlushJob, token?: string, signal?: AbortSignal): Promise<FlushJobResult> {
    if (!this.delegate) throw new Error('Flush processor not started: queue mode starts it at application bootstrap');
    return this.delegate.process(job, token, signal);
  }
}

/**
 * The module's processor. Decorated with `@Processor` here, once the options
 * are known (queue name, prefix, lock and concurrency come from them); without
 * a worker in this process (`queue.worker: false`) it stays undecorated, so no worker is built.
 */
export function createFlushProcessor(options: ResolvedOpenFgaOptions, shared?: SharedBullConfig): OpenFgaFlushProcessor {
  if (!options.queue.enabled || !options.queue.worker) return new OpenFgaFlushProcessor();
  const settings = queueSettings(options, storeKeys(options.prefix, options.storeId), shared?.prefix);
  const connection = workerSource(options, shared);
  class FlushQueueProcessor extends OpenFgaFlushProcessor {}
  Processor(
    { name: settings.name, configKey: OPENFGA_BULL_CONFIG_KEY },
    { ...flushWorkerOptions(settings), connection: connection.connection, autorun: false },
  )(FlushQueueProcessor);
  return new FlushQueueProcessor(connection);
}
