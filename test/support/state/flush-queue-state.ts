/** Reads the real BullMQ flush queue of a store (never a stand-in), and polls conditions with a bound. */
import { Queue } from 'bullmq';
import type { OpenFgaModuleOptions } from '../../../src';
import { DEFAULT_QUEUE_OPTIONS } from '../../../src/options/defaults';
import type { FlushJobData, FlushJobName, FlushJobResult } from '../../../src/queue/flush-job';
import { getFlushQueuePrefix } from '../../../src/queue/flush-queue-prefix';
import { serverEnv } from '../harness/env';

export type InspectedQueue = Queue<FlushJobData, FlushJobResult, FlushJobName>;

/** The flush queue the module with these options uses (same name, same per-store prefix). */
export function inspectFlushQueue(options: OpenFgaModuleOptions): InspectedQueue {
  return new Queue<FlushJobData, FlushJobResult, FlushJobName>(options.queue?.name ?? DEFAULT_QUEUE_OPTIONS.name, {
    connection: { url: serverEnv().redisUrl },
    prefix: getFlushQueuePrefix(options.storeId, options.prefix),
  });
}

/** The jobs of the queue in `state`, or null while there are none (for `eventually`). */
export async function jobsIn(queue: InspectedQueue, state: 'completed' | 'failed' | 'active' | 'waiting') {
  const jobs = await queue.getJobs([state]);
  return jobs.length ? jobs : null;
}

/** Polls `probe` every `intervalMs` until it returns a truthy value; fails after `timeoutMs`, naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T>, timeoutMs = 10_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}
