import type { Cluster, Redis } from 'ioredis';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { TupleWriter } from '../client/tuple-writer';
import type { BatchDispatcher } from '../flush/batch-dispatcher';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';

/** Jobs on the flush queue, by state. */
export interface FlushQueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/**
 * Queue mode as the rest of the package sees it (no BullMQ types here, so
 * nothing outside `src/queue` depends on BullMQ being installed).
 */
export interface FlushQueue {
  /** The flusher's dispatcher: one job per claimed batch. */
  readonly dispatcher: BatchDispatcher;
  /** Starts a worker in this process (`queue.worker`); resolves once it is connected (or after 5 s, with a warning). Idempotent. */
  startWorker(): Promise<void>;
  /** Whether this process runs a worker. */
  readonly workerRunning: boolean;
  counts(): Promise<FlushQueueCounts>;
  /** Closes the worker (its active jobs finish first), then the queue and the connections opened for them. */
  close(): Promise<void>;
}

/** What queue mode is built from (in this file so the core's types name no BullMQ module). */
export interface FlushQueueDeps {
  options: ResolvedOpenFgaOptions;
  /** The module's Redis client; the producer shares it unless `queue.connection` is set. */
  redis: Redis | Cluster;
  buffer: WriteBuffer;
  writer: TupleWriter;
}
