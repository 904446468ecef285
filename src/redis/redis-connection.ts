import { Cluster, Redis } from 'ioredis';
import type { RedisConnection } from '../options/openfga-options.interface';
import { waitAtMost } from '../timing/wait-at-most';

/**
 * The client the module works on: the user's own (left open at close), or one
 * it creates from a URL, options or cluster nodes (closed at close).
 */
export function connectRedis(connection: RedisConnection): { redis: Redis | Cluster; owned: boolean } {
  if (connection instanceof Redis || connection instanceof Cluster) return { redis: connection, owned: false };
  const redis =
    typeof connection === 'string'
      ? new Redis(connection)
      : 'cluster' in connection
        ? new Cluster(connection.cluster, connection.options)
        : new Redis(connection);
  reportOutages(redis);
  return { redis, owned: true };
}

/**
 * Without an 'error' listener ioredis prints "Unhandled error event" with a
 * stack for every reconnect attempt. The outage itself is logged once, with
 * its first error, by RedisAvailability (which every core has).
 */
function reportOutages(redis: Redis | Cluster): void {
  redis.on('error', () => undefined);
}

/**
 * QUIT when connected; otherwise (Redis down) drop the connection at once:
 * QUIT would wait behind commands retried in ioredis's offline queue.
 */
export async function closeRedis(redis: Redis | Cluster): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await waitAtMost(redis.quit(), 2000);
  if ((redis.status as string) !== 'end') redis.disconnect();
}
