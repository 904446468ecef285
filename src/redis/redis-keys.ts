import type { Tuple } from '../tuple/tuple';

/**
 * Every Redis key of the module is built here (and, for per-tuple keys, by
 * the Lua scripts from `base` with the suffixes documented below).
 *
 * Layout, for prefix P and store S:   `P:{S}:<suffix>`
 *   seq        STRING  buffer position counter (consistency tokens)
 *   pending    HASH    tuple key -> record, the latest not-yet-claimed op per tuple
 *   queue      ZSET    tuple key scored by seq: pending ops that may be claimed
 *                      (a pending op whose tuple is in flight waits outside it)
 *   inflight   HASH    tuple key -> batch id
 *   leases     ZSET    batch id scored by lease expiry (ms)
 *   count      HASH    w, d (pending writes/deletes), fw, fd (in flight)
 *   dead       HASH    dead-letter id -> JSON
 *   epoch      STRING  seq of the latest revoke (invalidates cached "allowed")
 *   grants     SET     tuple keys whose latest outstanding op is a grant (contextual tuples)
 *   meta       HASH    lastFlush and other status fields
 *   b:<id>     HASH    a claimed batch: tuple key -> record
 *   go:<obj>   STRING  seq of the latest write touching the object
 *   gu:<user>  STRING  seq of the latest write touching the user
 *   c:<model> <tuple key>  STRING  cached check answer
 *   bull:<queue name>:...   BullMQ's own keys in queue mode (see `queueKeyPrefix`)
 *
 * The store id sits in a hash tag, so all keys of a store live in one
 * Redis Cluster slot and one script may touch them all. The prefix is
 * validated to contain no braces, the store id is a ULID, and tuple fields
 * contain no whitespace, so the space-separated tuple key cannot be forged
 * by ids containing separators.
 *
 * A record is `op|seq|ts|attempts|model` with op `w` (grant) or `d` (revoke).
 */
export interface StoreKeys {
  base: string;
  seq: string;
  pending: string;
  queue: string;
  inflight: string;
  leases: string;
  count: string;
  dead: string;
  epoch: string;
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
    leases: `${base}leases`,
    count: `${base}count`,
    dead: `${base}dead`,
    epoch: `${base}epoch`,
    meta: `${base}meta`,
  };
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

/** Suffix (after `base`) of a cached check answer; the model is part of it so pinned models never share answers. */
export function cacheSuffix(modelId: string | undefined, t: Tuple): string {
  return `c:${modelId ?? '-'} ${tupleKey(t)}`;
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
