import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import type { StoreKeys } from '../redis/redis-keys';
import { flushQueueKeyPrefix } from './flush-queue-prefix';
import { secondsToMs } from '../timing/seconds';

/** Queue-mode settings derived from the module options, in milliseconds. */
export interface QueueSettings {
  name: string;
  /** BullMQ key prefix: under the store's hash tag (and the app's BullMQ prefix, if any), see `flushQueueKeyPrefix`. */
  bullPrefix: string;
  storeId: string;
  prefix: string;
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  concurrency: number;
  /**
   * BullMQ lock of a running job, and the interval of its stalled-job check:
   * a worker that died mid-job is noticed within about three times this.
   * Also how long one renewal keeps a processing's ownership of its batch
   * (renewed every third of it, see BatchLease).
   */
  lockMs: number;
  /**
   * Lease of a batch handed to a job: it must outlive the job's wait, every
   * attempt and backoff, and the stalled-job recovery, so that the batch
   * returns to the buffer only when its job is really lost.
   */
  leaseMs: number;
  /** Backoff (`retryBaseDelay`, `retryMaxDelay`) before a job that gave up during an outage returns its operations to the buffer. */
  retryBaseMs: number;
  retryMaxMs: number;
}

/** `bullPrefix`: the `prefix` of the app's `BullModule.forRoot`, when the queue is registered through it. */
export function queueSettings(options: ResolvedOpenFgaOptions, keys: StoreKeys, bullPrefix?: string): QueueSettings {
  const q = options.queue;
  const timeoutMs = secondsToMs(q.timeout);
  const lockMs = Math.max(1000, timeoutMs);
  // An attempt stops sending at `timeout`, then waits for requests in flight (at most `requestTimeout`).
  const perAttemptMs = timeoutMs + secondsToMs(options.requestTimeout);
  // BullMQ's exponential backoff waits backoff * 2^(n-1) after the n-th failure.
  const backoffsMs = secondsToMs(q.backoff) * (2 ** (q.attempts - 1) - 1);
  const stallMs = 3 * lockMs;
  const leaseTtlMs = secondsToMs(options.leaseTtl);
  return {
    name: q.name,
    bullPrefix: flushQueueKeyPrefix(keys, bullPrefix),
    storeId: options.storeId,
    prefix: options.prefix,
    attempts: q.attempts,
    backoffMs: secondsToMs(q.backoff),
    timeoutMs,
    concurrency: q.concurrency,
    lockMs,
    leaseMs: Math.ceil(q.attempts * perAttemptMs + backoffsMs + stallMs + leaseTtlMs),
    retryBaseMs: secondsToMs(options.retryBaseDelay),
    retryMaxMs: secondsToMs(options.retryMaxDelay),
  };
}
