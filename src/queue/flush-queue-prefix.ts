import { DEFAULT_OPTIONS } from '../options/defaults';
import { queueKeyPrefix, StoreKeys, storeKeys } from '../redis/redis-keys';

/**
 * BullMQ `prefix` of a store's flush queue, for dashboards and scripts that
 * open the queue themselves (queue keys are per store and key prefix). Pass
 * the `prefix` of the app's `BullModule.forRoot` as `bullPrefix` when it has one.
 *
 * @example
 * new Queue('openfga-flush', { connection, prefix: getFlushQueuePrefix(storeId) });
 */
export function getFlushQueuePrefix(storeId: string, prefix: string = DEFAULT_OPTIONS.prefix, bullPrefix?: string): string {
  return flushQueueKeyPrefix(storeKeys(prefix, storeId), bullPrefix);
}

/**
 * The store's queue prefix, under the app's BullMQ prefix when it has one:
 * its keys stay with the app's queues (and its ACLs), and the store's hash
 * tag still keeps them apart per store and in one Redis Cluster slot (unless
 * the app prefix has a hash tag of its own, which then groups all its queues).
 */
export function flushQueueKeyPrefix(keys: StoreKeys, bullPrefix?: string): string {
  return bullPrefix ? `${bullPrefix}:${queueKeyPrefix(keys)}` : queueKeyPrefix(keys);
}
