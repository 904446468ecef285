import { Worker } from 'bullmq';
import type { FlushBatchProcessor } from './flush-batch.processor';
import type { FlushJobData, FlushJobName, FlushJobResult } from './flush-job';
import type { FlushWorkerSource } from './flush-worker';
import type { QueueConnection } from './queue-connection';
import type { QueueSettings } from './queue-settings';

/** BullMQ options of the flush worker, whoever creates it. */
export function flushWorkerOptions(settings: QueueSettings) {
  return {
    prefix: settings.bullPrefix,
    concurrency: settings.concurrency,
    // Short locks and stalled checks tied to the job timeout: a worker killed mid-job
    // is noticed and its job handed to another worker while the batch is still leased.
    lockDuration: settings.lockMs,
    stalledInterval: settings.lockMs,
  };
}

/** A worker opened with plain BullMQ (the framework-free core: worker processes without Nest, tests). */
export function plainWorkerSource(processor: FlushBatchProcessor, settings: QueueSettings, connection: QueueConnection): FlushWorkerSource {
  return {
    open: () =>
      new Worker<FlushJobData, FlushJobResult, FlushJobName>(settings.name, (job, token, signal) => processor.process(job, token, signal), {
        ...flushWorkerOptions(settings),
        connection: connection.connection,
        autorun: true,
      }),
    dispose: () => connection.dispose(),
  };
}
