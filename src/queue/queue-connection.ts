import type { ConnectionOptions, RedisOptions as BullRedisOptions } from 'bullmq';
import { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { RedisClusterConnection, RedisConnection } from '../options/openfga-options.interface';

/** A BullMQ connection, and what to close once BullMQ is done with it. */
export interface QueueConnection {
  connection: ConnectionOptions;
  dispose(): Promise<void>;
}

const nothing = async () => undefined;

/**
 * The producer's connection: the module's own Redis client when the queue
 * shares it (BullMQ leaves a client it was given open), else `queue.connection`.
 */
export function producerConnection(moduleClient: Redis | Cluster, source: RedisConnection | undefined): QueueConnection {
  return source === undefined ? { connection: moduleClient, dispose: nothing } : queueConnection(source);
}

/** A queue's own connection to `source`: a client passed in is shared (BullMQ leaves it open), options open a new one. */
export function queueConnection(source: RedisConnection): QueueConnection {
  if (typeof source === 'string') return { connection: { url: source }, dispose: nothing };
  if (source instanceof Redis || source instanceof Cluster) return { connection: source, dispose: nothing };
  if (isClusterConnection(source)) {
    // BullMQ builds plain Redis clients from options: a Cluster must be handed to it, and closed by us.
    const cluster = new Cluster(source.cluster, source.options);
    return { connection: cluster, dispose: async () => cluster.disconnect() };
  }
  return { connection: bullOptions(source), dispose: nothing };
}

/**
 * The worker's connection. BullMQ needs `maxRetriesPerRequest: null` on it
 * (a blocking fetch must never give up), and it duplicates a client it is
 * given, so options are passed where possible and BullMQ opens and closes
 * the connections itself. A Cluster has no plain options: a lazy Cluster
 * (never connected itself) serves as the template and is closed with the worker.
 */
export function workerConnection(source: RedisConnection): QueueConnection {
  if (typeof source === 'string') return { connection: { url: source, maxRetriesPerRequest: null }, dispose: nothing };
  if (source instanceof Cluster || isClusterConnection(source)) {
    const template =
      source instanceof Cluster
        ? source.duplicate(undefined, blockingCluster(source.options))
        : new Cluster(source.cluster, { ...source.options, ...blockingCluster(source.options) });
    return { connection: template, dispose: async () => template.disconnect() };
  }
  const options = source instanceof Redis ? source.options : source;
  return { connection: { ...bullOptions(options), maxRetriesPerRequest: null }, dispose: nothing };
}

function isClusterConnection(source: RedisConnection): source is RedisClusterConnection {
  return typeof source === 'object' && source !== null && Array.isArray((source as Partial<RedisClusterConnection>).cluster);
}

function blockingCluster(options: ClusterOptions | undefined): ClusterOptions {
  return { lazyConnect: true, redisOptions: { ...options?.redisOptions, maxRetriesPerRequest: null } };
}

/** ioredis options as BullMQ types them: a `null` retry strategy (never reconnect) gives way to BullMQ's own. */
function bullOptions({ retryStrategy, ...rest }: RedisOptions): BullRedisOptions {
  return retryStrategy ? { ...rest, retryStrategy } : rest;
}
