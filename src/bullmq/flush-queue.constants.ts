/**
 * Name under which the flush queue is registered with @nestjs/bullmq:
 * `@InjectQueue(OPENFGA_FLUSH_QUEUE)` gives the store's flush queue (whatever
 * its `queue.name`, which is also this by default).
 */
export const OPENFGA_FLUSH_QUEUE = 'openfga-flush';

/** The queue @nestjs/bullmq registered, for the core (absent: queue mode on plain BullMQ). */
export const OPENFGA_BULL_QUEUE = Symbol('OPENFGA_BULL_QUEUE');
/** The flush processor (`WorkerHost`) whose worker @nestjs/bullmq builds. */
export const OPENFGA_FLUSH_HOST = Symbol('OPENFGA_FLUSH_HOST');

/**
 * The name a connection's flush queue is registered under with @nestjs/bullmq (`@InjectQueue(...)`):
 * `openfga-flush` for the default connection, `openfga-flush-<name>` for a named one.
 */
export function getFlushQueueName(connection?: string): string {
  return connection === undefined || connection === 'default' ? OPENFGA_FLUSH_QUEUE : `${OPENFGA_FLUSH_QUEUE}-${connection}`;
}

/** A connection's `OPENFGA_BULL_QUEUE`. */
export function getBullQueueToken(connection: string): symbol | string {
  return connection === 'default' ? OPENFGA_BULL_QUEUE : `OpenFgaBullQueue:${connection}`;
}

/** A connection's `OPENFGA_FLUSH_HOST`. */
export function getFlushHostToken(connection: string): symbol | string {
  return connection === 'default' ? OPENFGA_FLUSH_HOST : `OpenFgaFlushHost:${connection}`;
}
/**
 * @nestjs/bullmq config key the processor names: its explorer looks up the
 * queue by the processor's queue name and, when a custom `queue.name` finds
 * none, falls back to this key's config (provided empty: the processor's own
 * worker options carry the connection and prefix).
 */
export const OPENFGA_BULL_CONFIG_KEY = 'nestjs-openfga';
