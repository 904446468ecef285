import type { FlushQueue } from './flush-queue.interface';
import type { FlushQueueDeps } from './flush-queue';
import { QueueDependencyMissingError } from './queue-dependency-missing.error';

/**
 * Creates queue mode, loading the BullMQ adapter only now: apps that never
 * enable the queue do not need `bullmq` installed.
 */
export function loadFlushQueue(deps: FlushQueueDeps): FlushQueue {
  let adapter: typeof import('./flush-queue');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    adapter = require('./flush-queue') as typeof import('./flush-queue');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /'bullmq'/.test(String((err as Error).message))) {
      throw new QueueDependencyMissingError(err);
    }
    throw err;
  }
  return adapter.createFlushQueue(deps);
}
