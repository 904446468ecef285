import type { Tuple } from '../tuple/tuple';

/**
 * Every Redis key of the module is built here (and, for per-batch and
 * per-answer keys, by the Lua scripts from `base` with the suffixes below).
 *
 * Layout, for prefix P and store S:   `P:{S}:<suffix>`
 *   seq        STRING  buffer position counter (consistency tokens, generations)
 *   pending    HASH    tuple key -> record, the latest not-yet-claimed op per tuple
 *   queue      ZSET    tuple key scored by seq: pending ops to claim, oldest first
 *                      (an op whose tuple is in flight is dropped by claim and
 *                      queued again when the in-flight op is settled)
 *   inflight   HASH    tuple key -> batch id
 *   flight     ZSET    tuple key scored by the seq of its in-flight op (claim adds,
 *                      settle and a returned batch remove), so the lowest
 *                      outstanding position is two ZRANGE 0 0 (positions)
 *   leases     ZSET    batch id scored by lease expiry (ms); claim takes an
 *                      expired lease back only after a grace (requestTimeout +
 *                      1 s) that covers a request of its writer in flight. A rest
 *                      waiting out a backoff is scored retryAt minus that grace
 *   owners     HASH    batch id -> `token|owned until (ms)`: queue mode, the job
 *                      processing a batch (BullMQ's lock token); another
 *                      processing of the job writes nothing until it expired
 *                      for longer than the grace. Removed by settle
 *   watch      HASH    tuple key -> `until|` or `until|op|seq|model`: a tuple of a
 *                      batch whose lease expired under a possibly live writer (or
 *                      that another job took over), watched until `until`
 *                      (LOST_BATCH_RETENTION_MS, 15 min), with the latest op
 *                      acknowledged on it since; the stale writer's settle
 *                      re-asserts that op (reassert). Absent when nothing is watched
 *   watchexp   ZSET    the watched tuple keys scored by `until` (claim and settle drop expired ones)
 *   revoked    STRING  ms since the epoch of the latest op settled or applied by the change feed (only grows):
 *                      misses ask OpenFGA with HIGHER_CONSISTENCY for revokeConsistencyWindow after it
 *   count      HASH    w, d (pending writes/deletes), fw, fd (in flight); cleared: clears begun
 *                      (clear-8.lua counts one in its first step, before it discards anything)
 *   quiet      STRING  the `seq` at which a script (settle, clear) saw nothing outstanding
 *                      (every count 0). Every script that makes an op outstanding moves
 *                      `seq` (this version's and older ones'), so while `quiet` equals
 *                      `seq` nothing is outstanding: a cold read that finds them equal in
 *                      its cache MGET needs no snapshot script. Absent or behind `seq`
 *                      (also in data from older versions), the read takes the script
 *   dead       HASH    dead-letter id -> JSON (with the full model id)
 *   deadtuples HASH    tuple key -> `n|seq`, only for tuples with dead letters:
 *                      n of them counted, seq the position of the tuple's newest
 *                      op settled (written or dead-lettered) since it was marked;
 *                      a retry of an older dead letter is superseded. Written by
 *                      settle, removed with the last dead letter (retry, purge),
 *                      so it is bounded by `dead`, not by the tuples written
 *   epoch      STRING  seq of the latest store-wide invalidation: a write the writer could not
 *                      scope by the store's relation graph, a clear, a dead-lettering, a re-assert,
 *                      a graph adopted (every cached answer records it)
 *   primary    STRING  the replication id of the Redis primary the store's cache was last
 *                      verified on: a process that finds another one (a failover, a restart)
 *                      drops every cached answer (a new epoch) before it serves one
 *   graph      STRING  the model id whose relation graph the store's cache follows (see
 *                      adopt-graph), with an expiry its users refresh
 *   x:<pair>   STRING  relation generation of `type#relation`: seq of the latest write the
 *                      graph says may change its answers beyond the written tuple's own object
 *                      and user (through a tuple-to-userset, a userset or wildcard user)
 *   ix:<pair>  ZSET    outstanding ops (pending or in flight) on `type#relation`, scores 0,
 *                      members `o <object> <user>` and, on the pairs in `ixbyuser`, `u <user>
 *                      <object>` and (wildcard or userset users) `n <user> <object>`: a check reads only the ops its
 *                      relation depends on (see buffer/lua/includes/outstandingIndex.lua)
 *   ixbyuser   SET     the pairs the store's graph reads by user: only their ops get `u`/`n`
 *                      members (set, and outstanding ops re-indexed, when a graph is adopted)
 *   indexed    STRING  set once the ops buffered before the index existed were indexed (index-buffer)
 *   held       SET     ids of leased batches that only wait out a backoff (their writer is
 *                      done: claim returns them without watching them); the next settle
 *                      that writes everything it was given returns them early (see settle);
 *                      clear discards their ops (see clear-retrying-14.lua)
 *   o:<bucket> STRING  seq of the latest write touching an object of the bucket
 *   u:<bucket> STRING  seq of the latest write touching a user of the bucket
 *                      (generation keys: at most 2^GEN_BUCKET_BITS of each kind
 *                      per store, no TTL; bucket = `genBucket` below, in base 36)
 *   models     HASH    model id -> short index, and `#<index>` -> model id (`#` = last index)
 *   meta       HASH    lastFlush and other status fields
 *   import:<hash> STRING `done|cleared`: where an interrupted bulk import of the file with that
 *                      content hash got to, and count's `cleared` when it began (a week's TTL): the
 *                      place holds only while `cleared` is unchanged
 *   b:<id>     HASH    a claimed batch: tuple key -> record
 *   c:<model> <tuple key>  STRING  cached check answer: `y|<o>|<u>|<x>|<epoch>` (allowed) or
 *                      `n|<o>|<u>|<x>|<epoch>` (denied), the generations it was computed
 *                      under (object, user, relation, epoch), with a TTL (ttl / negativeTtl)
 *   bull:<queue name>:...   BullMQ's own keys in queue mode (see `queueKeyPrefix`)
 *
 * The store id sits in a hash tag, so all keys of a store live in one
 * Redis Cluster slot and one script may touch them all. The prefix is
 * validated to contain no braces, the store id is a ULID, and tuple fields
 * contain no whitespace, so the space-separated tuple key cannot be forged
 * by ids containing separators.
 *
 * A record is `op|seq|ts|attempts|model[|condition]` with op `w` (grant) or `d` (revoke),
 * decimal numbers, and model the index of the pinned model in `models` (empty:
 * latest). Records written before `models` existed carry the model id itself.
 * A conditional grant ends with its condition as JSON (`{"name":…,"context":…}`),
 * the only field that may hold `|`; an unconditional record has no sixth field.
 *
 * Generations only ever take values of `seq` (each write sets the keys it
 * touches to a fresh position), so a value never repeats: a cached answer
 * whose recorded generations all equal the current ones was computed after
 * every write to its object's bucket, its user's bucket, every write the
 * relation graph says reaches its relation from elsewhere, and every
 * store-wide invalidation. Objects or users sharing a bucket invalidate each
 * other's answers: extra misses, never a stale answer. Generation keys have
 * no TTL, so a `volatile-*` eviction policy never evicts them (the buffer
 * itself needs a Redis that does not evict keys without a TTL anyway). They
 * are plain strings, so a warm check reads its answer and the three
 * generations with one MGET.
 */
export interface StoreKeys {
  base: string;
  seq: string;
  pending: string;
  queue: string;
  inflight: string;
  flight: string;
  leases: string;
  owners: string;
  watch: string;
  watchExpiry: string;
  revoked: string;
  count: string;
  quiet: string;
  dead: string;
  deadTuples: string;
  held: string;
  epoch: string;
  primary: string;
  graph: string;
  indexed: string;
  byUser: string;
  models: string;
  meta: string;
}

export function storeKeys(prefix: string, storeId: string): StoreKeys {
  const base = `${prefix}:{${storeId}}:`;
  return {
    base,
    seq: `${base}seq`,
    pending: `${base}pending`,
    queue: `${base}queue`,
    inflight: `${base}inflight`,
    flight: `${base}flight`,
    leases: `${base}leases`,
    owners: `${base}owners`,
    watch: `${base}watch`,
    watchExpiry: `${base}watchexp`,
    revoked: `${base}revoked`,
    count: `${base}count`,
    quiet: `${base}quiet`,
    dead: `${base}dead`,
    deadTuples: `${base}deadtuples`,
    held: `${base}held`,
    epoch: `${base}epoch`,
    primary: `${base}primary`,
    graph: `${base}graph`,
    indexed: `${base}indexed`,
    byUser: `${base}ixbyuser`,
    models: `${base}models`,
    meta: `${base}meta`,
  };
}

/** Generation buckets per kind (objects, users): at most 2 x 2^GEN_BUCKET_BITS small keys per store. */
export const GEN_BUCKET_BITS = 13;
const GEN_BUCKET_MASK = (1 << GEN_BUCKET_BITS) - 1;

/**
 * The generation bucket of an object or user: FNV-1a (32 bit) over the UTF-16
 * code units, masked to GEN_BUCKET_BITS. Every process sharing a store must
 * compute the same buckets: changing this function or the bit count is a
 * layout change.
 */
export function genBucket(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) & GEN_BUCKET_MASK;
}

/** Suffix (after `base`) of the generation key versioning cached answers about `object`. */
export function objectGen(object: string): string {
  return `o:${genBucket(object).toString(36)}`;
}

/** Suffix (after `base`) of the generation key versioning cached answers about `user`. */
export function userGen(user: string): string {
  return `u:${genBucket(user).toString(36)}`;
}

/** Suffix (after `base`) of the generation key of relation `type#relation` ('' : the key no graph-scoped write bumps). */
export function relationGen(pair: string): string {
  return `x:${pair}`;
}

export function batchKey(keys: StoreKeys, batchId: string): string {
  return `${keys.base}b:${batchId}`;
}

/**
 * BullMQ `prefix` of the flush queue. Under the store's hash tag, so the
 * queues of two stores (or two prefixes) never mix even with the same queue
 * name, and BullMQ's keys of one queue share one Redis Cluster slot.
 */
export function queueKeyPrefix(keys: StoreKeys): string {
  return `${keys.base}bull`;
}

/** Canonical, collision-free identity of a tuple inside one store. */
export function tupleKey(t: Tuple): string {
  return `${t.user} ${t.relation} ${t.object}`;
}

export function parseTupleKey(key: string): Tuple {
  const [user, relation, object] = key.split(' ');
  return { user, relation, object };
}

/** Key of a cached check answer, from the tuple key; the model is part of it so pinned models never share answers. */
export function cacheKey(keys: StoreKeys, modelId: string | undefined, tk: string): string {
  return `${keys.base}c:${modelId ?? '-'} ${tk}`;
}

/**
 * Change-feed keys (same hash tag as the buffer):
 *   feed:lease          STRING  id of the process polling, with an expiry
 *   feed:cursor:<type>  STRING  ReadChanges continuation token ('*' = all types)
 *   feed:state          HASH    lastPollAt, newestChangeAt (ms)
 */
export interface ChangeFeedKeys {
  lease: string;
  state: string;
  cursor(type: string | undefined): string;
}

export function changeFeedKeys(keys: StoreKeys): ChangeFeedKeys {
  return {
    lease: `${keys.base}feed:lease`,
    state: `${keys.base}feed:state`,
    cursor: (type) => `${keys.base}feed:cursor:${type ?? '*'}`,
  };
}
