import type { FlushQueue } from './flush-queue-port';
import type { FlushQueueDeps } from './flush-queue-port';
import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';

/** The BullMQ adapter of queue mode, loaded on first use: apps that never enable the queue do not need `bullmq` installed. */
export function loadFlushQueueAdapter(): typeof import('./flush-queue') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('./flush-queue') as typeof import('./flush-queue');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /'bullmq'/.test(String((err as Error).message))) {
      throw new MissingPeerDependencyError('bullmq', 'OpenFgaModule option "queue.enabled"', undefined, err);
    }
    throw err;
  }
}

/** Creates queue mode on plain BullMQ (the framework-free core). */
export function loadFlushQueue(deps: FlushQueueDeps): FlushQueue {
  return loadFlushQueueAdapter().createFlushQueue(deps);
}
