import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { TupleWriter } from '../client/tuple-writer';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { FlushBatchProcessor } from './flush-batch.processor';
import type { FlushJobData, FlushJobName, FlushJobResult } from './flush-job';
import type { FlushQueue, FlushQueueCounts } from './flush-queue-port';
import { FlushQueueProducer } from './flush-queue.producer';
import { FlushWorker } from './flush-worker';
import { producerConnection, workerConnection } from './queue-connection';
import { queueSettings } from './queue-settings';

export interface FlushQueueDeps {
  options: ResolvedOpenFgaOptions;
  /** The module's Redis client; the producer shares it unless `queue.connection` is set. */
  redis: Redis | Cluster;
  buffer: WriteBuffer;
  writer: TupleWriter;
}

/** Builds queue mode: the producer now, the worker when `startWorker()` is called. */
export function createFlushQueue({ options, redis, buffer, writer }: FlushQueueDeps): FlushQueue {
  const settings = queueSettings(options, buffer.keys);
  const producerConn = producerConnection(redis, options.queue.connection);
  const queue = new Queue<FlushJobData, FlushJobResult, FlushJobName>(settings.name, {
    connection: producerConn.connection,
    prefix: settings.bullPrefix,
  });
  // Without a listener an 'error' event would crash the process; the flusher reports failed enqueues itself.
  queue.on('error', () => undefined);
  const dispatcher = new FlushQueueProducer(queue, settings);
  let worker: FlushWorker | undefined;
  let closing: Promise<void> | undefined;

  return {
    dispatcher,
    get workerRunning() {
      return worker?.running ?? false;
    },
    async startWorker() {
      if (closing) throw new Error('The flush queue is closed');
      worker ??= new FlushWorker(
        new FlushBatchProcessor(buffer, writer, settings),
        settings,
        workerConnection(options.queue.connection ?? options.redis),
      );
      await worker.start();
    },
    async counts(): Promise<FlushQueueCounts> {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
      return {
        waiting: c.waiting ?? 0,
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
      };
    },
    close() {
      closing ??= (async () => {
        await worker?.close();
        await queue.close();
        await producerConn.dispose();
      })();
      return closing;
    },
  };
}
