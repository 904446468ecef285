import type { FlushQueue } from './flush-queue-port';
import type { FlushQueueDeps } from './flush-queue';
import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';

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
      throw new MissingPeerDependencyError('bullmq', 'OpenFgaModule option "queue.enabled"', undefined, err);
    }
    throw err;
  }
  return adapter.createFlushQueue(deps);
}
