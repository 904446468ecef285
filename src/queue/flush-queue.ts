import { Queue } from 'bullmq';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { TupleWriter } from '../client/tuple-writer';
import { FlushBatchProcessor } from './flush-batch.processor';
import type { FlushJobData, FlushJobName, FlushJobResult } from './flush-job';
import type { FlushQueue, FlushQueueCounts, FlushQueueDeps } from './flush-queue-port';
import { FlushJobQueue, FlushQueueProducer } from './flush-queue.producer';
import { FlushWorker, FlushWorkerSource } from './flush-worker';
import { plainWorkerSource } from './plain-worker-source';
import { producerConnection, workerConnection } from './queue-connection';
import { queueSettings, QueueSettings } from './queue-settings';

/**
 * A worker that someone else creates around the processor: @nestjs/bullmq's
 * explorer builds it for the module's `WorkerHost` (see src/bullmq).
 */
export interface FlushWorkerHost {
  /** Hands the host the processor its jobs go to; returns where its worker comes from. */
  bind(processor: FlushBatchProcessor, settings: QueueSettings): FlushWorkerSource;
}

/** Builds queue mode on plain BullMQ (no Nest): the producer now, the worker when `startWorker()` is called. */
export function createFlushQueue({ options, redis, buffer, writer }: FlushQueueDeps): FlushQueue {
  const settings = queueSettings(options, buffer.keys);
  const producerConn = producerConnection(redis, options.queue.connection);
  const queue = new Queue<FlushJobData, FlushJobResult, FlushJobName>(settings.name, {
    connection: producerConn.connection,
    prefix: settings.bullPrefix,
  });
  // Without a listener an 'error' event would crash the process; the flusher reports failed enqueues itself.
  queue.on('error', () => undefined);
  return assemble(queue, settings, buffer, writer, {
    worker: (processor) => plainWorkerSource(processor, settings, workerConnection(options.queue.connection ?? options.redis)),
    closeQueue: async () => {
      await queue.close();
      await producerConn.dispose();
    },
  });
}

/**
 * Queue mode on a queue registered through @nestjs/bullmq (`BullModule.registerQueue`):
 * Nest owns and closes the queue; the worker is the one its explorer built for `host`.
 */
export function createHostedFlushQueue(deps: FlushQueueDeps, queue: FlushJobQueue, host: FlushWorkerHost | undefined): FlushQueue {
  // The registered queue carries the name and prefix (under the app's BullMQ prefix) the producer and worker use.
  const settings: QueueSettings = {
    ...queueSettings(deps.options, deps.buffer.keys),
    name: queue.name,
    bullPrefix: queue.opts.prefix ?? '',
  };
  // As above: an 'error' event without a listener would crash the process (the app may add its own).
  queue.on('error', () => undefined);
  return assemble(queue, settings, deps.buffer, deps.writer, {
    worker: (processor) => {
      if (!host) throw new Error('Queue mode: no flush processor is registered in this application (OpenFgaModule option "queue.worker")');
      return host.bind(processor, settings);
    },
    closeQueue: async () => undefined,
  });
}

interface QueueParts {
  worker(processor: FlushBatchProcessor): FlushWorkerSource;
  closeQueue(): Promise<void>;
}

function assemble(queue: FlushJobQueue, settings: QueueSettings, buffer: WriteBuffer, writer: TupleWriter, parts: QueueParts): FlushQueue {
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
      worker ??= new FlushWorker(parts.worker(new FlushBatchProcessor(buffer, writer, settings)));
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
        await parts.closeQueue();
      })();
      return closing;
    },
  };
}
