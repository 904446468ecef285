import { DEFAULT_OPTIONS } from '../options/defaults';
import { queueKeyPrefix, storeKeys } from '../redis/redis-keys';

/**
 * BullMQ `prefix` of a store's flush queue, for dashboards and scripts that
 * open the queue themselves (queue keys are per store and key prefix).
 *
 * @example
 * new Queue('openfga-flush', { connection, prefix: getFlushQueuePrefix(storeId) });
 */
export function getFlushQueuePrefix(storeId: string, prefix: string = DEFAULT_OPTIONS.prefix): string {
  return queueKeyPrefix(storeKeys(prefix, storeId));
}
