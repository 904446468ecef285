import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** How the module reaches Redis: a URL, ioredis options, Cluster nodes, or a client you own (also a Cluster). */
export type RedisConnection = string | RedisOptions | RedisClusterConnection | Redis | Cluster;

/** A Redis Cluster the module connects to (and closes) itself. */
export interface RedisClusterConnection {
  cluster: { host: string; port: number }[];
  options?: ClusterOptions;
}

/** Credentials for OpenFGA, passed to @openfga/sdk as they are. */
export type OpenFgaCredentials =
  | { method: 'api_token'; config: { token: string } }
  | {
      method: 'client_credentials';
      config: { apiTokenIssuer: string; apiAudience: string; clientId: string; clientSecret: string };
    };

/**
 * Options of `OpenFgaModule.forRoot()`. Durations are in seconds (fractions allowed),
 * as in the OpenFGA Laravel package's configuration.
 */
export interface OpenFgaModuleOptions {
  /** OpenFGA HTTP API URL, e.g. `http://127.0.0.1:8080`. */
  apiUrl: string;
  /** The store every operation belongs to (a ULID). */
  storeId: string;
  /** Pin writes and checks to one authorization model (a ULID); the store's latest model when unset. */
  authorizationModelId?: string;
  /** OpenFGA credentials; none by default. */
  credentials?: OpenFgaCredentials;
  /** Redis connection. The module closes clients it created; a client you pass stays yours. */
  redis: RedisConnection;
  /** Namespace of every Redis key. Default `openfga`. Letters, digits, `_ - . :` only. */
  prefix?: string;
  /** `false` writes straight through to OpenFGA instead of buffering. Default `true`. */
  enabled?: boolean;
  /** Pending operations that trigger a flush, and the size of one claimed batch. Default 100. */
  batchSize?: number;
  /** Flush when the oldest pending operation is older than this. Default 5. */
  flushInterval?: number;
  /** Lifetime of a cached "allowed" answer. Default 300. */
  ttl?: number;
  /** Lifetime of a cached "denied" answer. Default 60. */
  negativeTtl?: number;
  /** Cache check answers in Redis. Default `true`. */
  cache?: boolean;
  /**
   * Under `maxmemory-policy noeviction` with a `maxmemory`, stop caching answers while a Redis node uses
   * this share of its `maxmemory` or more (over 0, at most 1), so checks any caller can make never take
   * the room grants and revokes need. Not used under `volatile-*` policies (Redis evicts cached answers,
   * which carry a TTL, before it refuses a write). Default 0.8.
   */
  cacheMemoryLimit?: number;
  /** Flush what is pending when the application shuts down. Default `true`. */
  flushOnShutdown?: boolean;
  /** How long the shutdown flush may take; the rest stays in Redis. Default 10. */
  shutdownTimeout?: number;
  /** How long a claimed batch stays leased before another process may take it over. Default 30. */
  leaseTtl?: number;
  /** Tuples per OpenFGA Write request (the server's `--max-tuples-per-write`). Default 100. */
  maxTuplesPerWrite?: number;
  /** OpenFGA Write requests a flush runs at once. Default 4. */
  maxParallelRequests?: number;
  /** First retry delay after a transient OpenFGA failure; doubles per attempt. Default 1. */
  retryBaseDelay?: number;
  /** Upper bound of the retry delay. Default 60. */
  retryMaxDelay?: number;
  /** Timeout of one OpenFGA request. Must be shorter than `leaseTtl`. Default 10. */
  requestTimeout?: number;
  /** How long `check` may wait for outstanding revokes to reach OpenFGA before it denies. Default 5. */
  checkTimeout?: number;
  /**
   * How long a call waits for Redis to answer (seconds). Past it, and at once while Redis is known to be
   * down, writes and `status()` throw `RedisUnavailableError` and checks fail closed. Default 2.
   */
  redisTimeout?: number;
  /**
   * For this long after any process wrote a revoke to OpenFGA, cache misses ask OpenFGA with
   * HIGHER_CONSISTENCY, so OpenFGA's own check cache (or a lagging read replica) cannot hand back an
   * "allowed" from before the revoke. Set it to at least OpenFGA's `--check-query-cache-ttl` /
   * `--check-iterator-cache-ttl` (and the replica lag). Default 10.
   */
  revokeConsistencyWindow?: number;
  /**
   * How often the authorization model is read again (seconds). The read path follows the model's
   * relation graph (which writes can change which answers); without `authorizationModelId` a new
   * model written to the store is picked up within this interval, and cached answers are dropped.
   * Default 30.
   */
  modelRefreshInterval?: number;
  /** Start the size and age flush triggers in this process. Default `true`. */
  autoFlush?: boolean;
  /**
   * At start-up, check every type and relation named by `@Check`, `@Grant` and `@Revoke` against
   * the authorization model, and fail `app.init()` on a name the model lacks. Skipped (with a
   * warning) when the model cannot be read at start. Default `true`.
   */
  validateDecorators?: boolean;
  /** Also flush on a cron expression (with seconds), e.g. every 30 s; off by default. Registered through @nestjs/schedule. */
  cron?: string;
  /** Write claimed batches through BullMQ jobs instead of inline; off by default. */
  queue?: OpenFgaQueueOptions;
  /** Invalidate cached answers from OpenFGA's change feed (writes made outside this module). */
  changeFeed?: OpenFgaChangeFeedOptions;
  /**
   * How much one read carries before it writes the ops it depends on first. Leave the defaults in
   * production; tests set them small to reach the write-first paths with a few ops.
   */
  readLimits?: OpenFgaReadLimits;
  /**
   * Replicated acknowledgement: `grant`, `revoke`, `grantMany`, `revokeMany` and `clear` resolve only
   * once this many replicas have the write (Redis `WAIT`), so a failover cannot lose it; fewer within
   * `timeout` throws `ReplicationUnconfirmedError` (outcome unknown). Default `{ replicas: 'auto', timeout: 1 }`:
   * one replica whenever the primary has one, none on a lone primary.
   */
  acknowledge?: OpenFgaAcknowledgeOptions;
  /** How `@Check`/`@Grant`/`@Revoke` find the user of a request. Default: `user:<req.user.id>`. */
  resolveUser?: (request: OpenFgaRequest) => string | undefined | Promise<string | undefined>;
}

/** See `OpenFgaModuleOptions.acknowledge`. */
export interface OpenFgaAcknowledgeOptions {
  /** Replicas that must confirm each write: a number (0: none), or `auto` (1 when the primary has a replica). Default `auto`. */
  replicas?: number | 'auto';
  /** How long a write waits for them (seconds). Default 1. */
  timeout?: number;
}

/** See `OpenFgaModuleOptions.readLimits`. */
export interface OpenFgaReadLimits {
  /**
   * Most relevant pending grants a read sends to OpenFGA as contextual tuples (beside the caller's own,
   * within OpenFGA's cap of 100); more are written first. Default 100.
   */
  contextualTuples?: number;
  /** Most outstanding-op index entries one snapshot lists; a read with more writes the listed ops first. Default 256. */
  listedOperations?: number;
}

/** The request as the HTTP layer sees it (Express or Fastify). */
export interface OpenFgaRequest {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  headers?: Record<string, string | string[] | undefined>;
  user?: unknown;
  [key: string]: unknown;
}

/**
 * Change-feed invalidation: one process at a time (a Redis lease) polls
 * OpenFGA's ReadChanges and invalidates cached answers the changes may affect.
 */
export interface OpenFgaChangeFeedOptions {
  /** Default `true`. */
  enabled?: boolean;
  /** Seconds between polls. Default 5. */
  interval?: number;
  /** Only these object types (one ReadChanges cursor each); all types when empty. Default `[]`. */
  types?: string[];
  /** Changes per ReadChanges page. Default 100. */
  pageSize?: number;
}

/** Queue mode: each flush trigger enqueues one BullMQ job per claimed batch. */
export interface OpenFgaQueueOptions {
  /** Default `false`. */
  enabled?: boolean;
  /** BullMQ queue name. Default `openfga-flush`. */
  name?: string;
  /** Redis for BullMQ; when unset, the app's `BullModule.forRoot` connection, else the module's `redis` connection. */
  connection?: RedisConnection;
  /**
   * Attempts per job. Then its remaining operations return to the buffer if
   * OpenFGA was unreachable, and are dead-lettered otherwise. Default 3.
   */
  attempts?: number;
  /** First retry delay (seconds), doubling per attempt (exponential). Default 1. */
  backoff?: number;
  /** Seconds one job may run before it counts as failed. Default 30. */
  timeout?: number;
  /** Run a worker in this process. `false` for producer-only apps whose workers are deployed separately. Default `true`. */
  worker?: boolean;
  /** Jobs one worker runs at once. Default 1. */
  concurrency?: number;
}

/** Options after defaults are applied and validated. */
export type ResolvedOpenFgaOptions = Required<
  Omit<OpenFgaModuleOptions, OptionalKeys | 'queue' | 'changeFeed' | 'readLimits' | 'acknowledge'>
> & {
  changeFeed: Required<OpenFgaChangeFeedOptions>;
  acknowledge: Required<OpenFgaAcknowledgeOptions>;
  readLimits: Required<OpenFgaReadLimits>;
} & Pick<OpenFgaModuleOptions, OptionalKeys> & {
    queue: Required<Omit<OpenFgaQueueOptions, 'connection'>> & Pick<OpenFgaQueueOptions, 'connection'>;
    /** The connection these options belong to (`forRoot({ name })`; `default` without one). */
    connection: string;
  };

type OptionalKeys = 'authorizationModelId' | 'credentials' | 'cron' | 'resolveUser';
