import type { Cluster, Redis } from 'ioredis';
import { WriteBuffer } from '../buffer/write-buffer';
import { OutstandingOps } from '../buffer/outstanding-ops';
import { CacheAdmission } from '../cache/cache-admission';
import { CheckCache } from '../cache/check-cache';
import { ModelWatch } from '../scope/model-watch';
import { RelationScope } from '../scope/relation-scope';
import { CheckResolver } from '../check/check-resolver';
import { BatchCheckResolver } from '../check/batch-check';
import { ListReads } from '../list/list-reads';
import { PathReach } from '../read/path-reach';
import { ReadEngine } from '../read/read-engine';
import { FgaClient } from '../client/fga-client';
import { TupleWriter } from '../client/tuple-writer';
import { ConsistencyTokens } from '../consistency/consistency-token';
import { Flusher } from '../flush/flusher';
import { FlushTriggers } from '../flush/flush-triggers';
import { InlineDispatcher } from '../flush/inline-dispatcher';
import { OpenFgaAgents } from '../client/openfga-agents';
import { LuaScripts } from '../redis/lua-scripts';
import { PrimaryWatch } from '../redis/primary-watch';
import { ReplicaAcknowledgement } from '../redis/replica-acknowledgement';
import { RedisAvailability } from '../redis/redis-availability';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import type { FlushQueue } from '../queue/flush-queue-port';
import type { FlushQueueDeps } from '../queue/flush-queue-port';
import { loadFlushQueue } from '../queue/load-flush-queue';
import { ChangeFeedPoller } from '../changefeed/change-feed-poller';
import { OpenFgaEvents } from '../events/openfga-events';
import { closeRedis, connectRedis } from '../redis/redis-connection';
import { changeFeedKeys, storeKeys } from '../redis/redis-keys';
import { waitAtMost } from '../timing/wait-at-most';
import { secondsToMs } from '../timing/seconds';

/** Added to requestTimeout in the lease grace: clock skew between processes, and scheduling. */
const LEASE_GRACE_MARGIN_MS = 1000;

/** The framework-free core: what the service, the CLI bin and worker processes share. */
export interface OpenFgaCore {
  options: ResolvedOpenFgaOptions;
  redis: Redis | Cluster;
  buffer: WriteBuffer;
  cache: CheckCache;
  /** The one read algorithm under checks, batch checks and lists (docs/design.md §4). */
  read: ReadEngine;
  /** Answers checks (the service is a facade over it). */
  reads: CheckResolver;
  /** `batchCheck`: one cache read and one OpenFGA BatchCheck for many checks. */
  batchReads: BatchCheckResolver;
  /** listObjects and listUsers, and the SDK client of read and expand. */
  lists: ListReads;
  client: FgaClient;
  writer: TupleWriter;
  flusher: Flusher;
  triggers: FlushTriggers;
  tokens: ConsistencyTokens;
  /** What the core reports as it works (metrics, tracing and events subscribe). */
  events: OpenFgaEvents;
  /** The authorization model's relation graph, read at creation and every `modelRefreshInterval`. */
  model: ModelWatch;
  /** Change-feed invalidation (started by the service when `changeFeed.enabled`). */
  changeFeed: ChangeFeedPoller;
  /** Queue mode (`queue.enabled`): the flusher enqueues one BullMQ job per batch; `startWorker()` processes them here. */
  queue?: FlushQueue;
  /** Whether Redis is reachable; bounds the calls that need it (`redisTimeout`). */
  availability: RedisAvailability;
  /** Closes what the core opened (a Redis client passed in by the user stays open). */
  close(): Promise<void>;
}

/** How queue mode is built: plain BullMQ by default; the Nest module passes one on the queue @nestjs/bullmq registered. */
export type FlushQueueFactory = (deps: FlushQueueDeps) => FlushQueue;

export function createOpenFgaCore(options: ResolvedOpenFgaOptions, flushQueue: FlushQueueFactory = loadFlushQueue): OpenFgaCore {
  const { redis, owned } = connectRedis(options.redis);
  // One call path for every script; the buffer, the cache and the change feed each add their own folder.
  // Every call bounded by redisTimeout, failing at once while Redis is known down.
  const keys = storeKeys(options.prefix, options.storeId);
  const availability = new RedisAvailability(redis, secondsToMs(options.redisTimeout), keys.seq);
  const scripts = new LuaScripts(redis, availability);
  const events = new OpenFgaEvents();
  // A lease is taken back only once a request its writer may have sent just before stopping has ended (see BatchLease).
  // Which cached answers a write invalidates, by the model's relation graph (filled in by `model`).
  const scope = new RelationScope(keys);
  const acknowledgement = new ReplicaAcknowledgement(redis, keys.seq, {
    replicas: options.acknowledge.replicas,
    timeoutMs: secondsToMs(options.acknowledge.timeout),
  });
  const buffer = new WriteBuffer(redis, scripts, keys, events, {
    graceMs: secondsToMs(options.requestTimeout) + LEASE_GRACE_MARGIN_MS,
    scope,
    acknowledgement,
  });
  const primary = options.cache ? new PrimaryWatch(redis, keys, secondsToMs(options.redisTimeout)) : undefined;
  const cache = new CheckCache(
    redis,
    scripts,
    keys,
    { enabled: options.cache, ttlMs: secondsToMs(options.ttl), negativeTtlMs: secondsToMs(options.negativeTtl) },
    primary,
    availability,
    options.cache ? new CacheAdmission(redis, events, options.cacheMemoryLimit) : undefined,
  );
  cache.admission?.start();
  // Its connections to OpenFGA, closed with it (see client/openfga-agents.ts).
  const agents = new OpenFgaAgents();
  const client = new FgaClient(options, events, agents);
  const writer = new TupleWriter(client, options.maxTuplesPerWrite, options.maxParallelRequests);
  const chunksPerBatch = Math.ceil(options.batchSize / options.maxTuplesPerWrite);
  let queue: FlushQueue | undefined;
  try {
    queue = options.queue.enabled ? flushQueue({ options, redis, buffer, writer }) : undefined;
  } catch (err) {
    if (owned) redis.disconnect(); // a failed start must not leave a connection keeping the process alive
    throw err;
  }
  const dispatcher =
    queue?.dispatcher ??
    new InlineDispatcher(buffer, writer, {
      leaseMs: secondsToMs(options.leaseTtl),
      retryBaseMs: secondsToMs(options.retryBaseDelay),
      retryMaxMs: secondsToMs(options.retryMaxDelay),
    });
  const flusher = new Flusher(buffer, dispatcher, {
    batchSize: options.batchSize,
    lanes: Math.max(1, Math.floor(options.maxParallelRequests / chunksPerBatch)),
  });
  const triggers = new FlushTriggers(buffer, flusher, options.batchSize, secondsToMs(options.flushInterval));
  const changeFeed = new ChangeFeedPoller(
    redis,
    scripts,
    buffer,
    client,
    changeFeedKeys(keys),
    {
      intervalMs: secondsToMs(options.changeFeed.interval),
      types: options.changeFeed.types.length ? options.changeFeed.types : [undefined],
      pageSize: options.changeFeed.pageSize,
    },
    availability,
  );
  const tokens = new ConsistencyTokens(options.prefix, options.storeId);
  const outstanding = new OutstandingOps(scripts, keys);
  const reach = new PathReach(outstanding, (object, relation, most) => client.readUsers(object, relation, most));
  const read = new ReadEngine({ options, cache, outstanding, scope, buffer, flusher, tokens, reach, availability });
  const checkParts = { options, engine: read, cache, client, events };
  const reads = new CheckResolver(checkParts);
  const batchReads = new BatchCheckResolver(checkParts, reads);
  const lists = new ListReads(options, read, client, agents);
  const model = new ModelWatch(
    client,
    scripts,
    keys,
    scope,
    { pinnedModelId: options.authorizationModelId, refreshMs: secondsToMs(options.modelRefreshInterval) },
    () => buffer.indexBuffered(),
  );
  // Until the graph is read, every write is store-wide and checks take the store-wide path: correct, only slower.
  void model.start();
  let closed = false;
  return {
    options,
    redis,
    buffer,
    cache,
    read,
    reads,
    batchReads,
    lists,
    client,
    writer,
    flusher,
    triggers,
    tokens,
    queue,
    changeFeed,
    events,
    model,
    availability,
    async close() {
      if (closed) return;
      closed = true;
      triggers.stop();
      cache.admission?.stop();
      primary?.close();
      const deadline = Date.now() + secondsToMs(options.shutdownTimeout);
      // No further model read. One under way is not waited for here: it may wait on an OpenFGA that accepts
      // connections and never answers, for a whole requestTimeout (a CLI command done in 3 s exited after 10).
      const modelStopped = model.stop();
      // Bounded by shutdownTimeout: with Redis down, BullMQ and the watchers could wait for it for minutes.
      const steps = (async () => {
        // A flush under way settles what it is writing before the connections close (else: written, unsettled, rewritten later).
        await flusher.stop();
        await changeFeed.stop();
        // The worker's active jobs still settle through `redis`: close the queue first.
        await queue?.close().catch(() => undefined);
      })();
      await waitAtMost(steps, secondsToMs(options.shutdownTimeout));
      // Closes the model read's request too (its socket is destroyed): the read then ends at once, or
      // finishes the Redis script it is running, before Redis closes.
      agents.destroy();
      await waitAtMost(modelStopped, Math.max(0, deadline - Date.now()));
      availability.close();
      if (owned) await closeRedis(redis);
    },
  };
}
