import type { ConnectionOptions } from 'bullmq';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { queueConnection, QueueConnection, workerConnection } from '../queue/queue-connection';

/** The part of the app's `BullModule.forRoot` config the flush queue reuses. */
export interface SharedBullConfig {
  connection?: ConnectionOptions;
  prefix?: string;
}

/**
 * Which Redis the flush queue uses: `queue.connection` when set, else the
 * app's `BullModule.forRoot` connection, else the module's own `redis`.
 * Undefined: BullModule merges the app's connection in.
 */
export function producerSource(options: ResolvedOpenFgaOptions, shared: SharedBullConfig | undefined): QueueConnection | undefined {
  const source = options.queue.connection ?? (shared?.connection ? undefined : options.redis);
  return source === undefined ? undefined : queueConnection(source);
}

/** The worker's connection, by the same precedence (BullMQ opens its blocking connection from it). */
export function workerSource(options: ResolvedOpenFgaOptions, shared: SharedBullConfig | undefined): QueueConnection {
  if (options.queue.connection === undefined && shared?.connection)
    return { connection: shared.connection, dispose: async () => undefined };
  return workerConnection(options.queue.connection ?? options.redis);
}
