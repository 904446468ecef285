import type { Cluster, Redis } from 'ioredis';
import { join } from 'node:path';
import type { LuaScripts } from '../redis/lua-scripts';
import { cacheKey, objectGen, parseTupleKey, StoreKeys, tupleKey, userGen } from '../redis/redis-keys';
import { CoalescedMget } from './coalesced-mget';
import type { Tuple } from '../tuple/tuple';

/** Generations of what a cached answer depends on, read before asking OpenFGA (see redis-keys.ts). */
export interface CacheSnapshot {
  objectGen: string;
  userGen: string;
  epoch: string;
  /** Revokes pending or in flight in the store when the snapshot was taken. */
  outstandingRevokes: number;
  /** When a revoke was last written to OpenFGA by any process (ms since the epoch; 0: never). */
  revokedAt: number;
  /** Tuples whose latest outstanding op is a grant; -1 when more than MAX_CONTEXTUAL_TUPLES or too costly to list. */
  outstandingGrants: number;
  /** Those tuples, when they could be listed (at most MAX_CONTEXTUAL_TUPLES). */
  pendingGrants?: Tuple[];
}

/** OpenFGA accepts at most 100 contextual tuples per check. */
export const MAX_CONTEXTUAL_TUPLES = 100;

/**
 * Most pending (and most in-flight) operations a cache miss reads to list the
 * outstanding grants. A larger buffer is flushed before OpenFGA is asked, as
 * when there are more grants than fit as contextual tuples.
 */
export const MAX_LISTED_OPERATIONS = 256;

export type LookupResult = { source: 'cache'; allowed: boolean } | { source: 'miss'; snapshot: CacheSnapshot };

/**
 * The read side. A warm check is one MGET of the cached answer, its object's
 * and user's generations and the epoch, compared here: no script. Anything
 * else (no answer, a stale one, or the cache bypassed) runs the check script,
 * which returns a snapshot for asking OpenFGA (the pending grants to send as
 * contextual tuples, the outstanding revokes, the generations).
 *
 * An answer is cached (populate: compare and set) only if nothing that may
 * change it was written since the snapshot it was computed from: no write to
 * its object's or user's bucket and, for "allowed", no write at all and no
 * revoke outstanding. Every write, buffered or written through, bumps those
 * generations in the same step (and the epoch); generations never repeat a
 * value. So an answer whose recorded generations are all current was computed
 * after every write that may change it: serving it cannot hide a buffered op.
 * Invalidation is by generations, never by scanning; objects or users sharing
 * a bucket only cost extra misses.
 */
export class CheckCache {
  private readonly reads: CoalescedMget;

  constructor(
    redis: Redis | Cluster,
    private readonly scripts: LuaScripts,
    private readonly keys: StoreKeys,
    private readonly settings: { enabled: boolean; ttlMs: number; negativeTtlMs: number },
  ) {
    scripts.use(join(__dirname, 'lua'));
    this.reads = new CoalescedMget(redis);
  }

  async lookup(t: Tuple, modelId: string | undefined, useCache = this.settings.enabled): Promise<LookupResult> {
    const k = this.keys;
    const objectKey = k.base + objectGen(t.object);
    const userKey = k.base + userGen(t.user);
    if (useCache) {
      const [answer, o, u, e] = await this.reads.mget([cacheKey(k, modelId, tupleKey(t)), objectKey, userKey, k.epoch]);
      if (answer !== null) {
        const gens = `${o ?? '0'}|${u ?? '0'}`;
        if (answer === `n|${gens}`) return { source: 'cache', allowed: false };
        if (answer === `y|${gens}|${e ?? '0'}`) return { source: 'cache', allowed: true };
      }
    }
    // The cache was just read (or is bypassed): the script only takes the snapshot of a miss.
    const reply = await this.scripts.run<(number | string)[]>(
      'check',
      [objectKey, userKey, k.epoch, k.count, k.revoked, k.pending, k.leases, k.base],
      [MAX_CONTEXTUAL_TUPLES, MAX_LISTED_OPERATIONS],
    );
    const grants = Number(reply[5]);
    return {
      source: 'miss',
      snapshot: {
        objectGen: String(reply[0]),
        userGen: String(reply[1]),
        epoch: String(reply[2]),
        outstandingRevokes: Number(reply[3]),
        revokedAt: Number(reply[4]),
        outstandingGrants: grants,
        ...(grants >= 0 ? { pendingGrants: reply.slice(6).map((key) => parseTupleKey(String(key))) } : {}),
      },
    };
  }

  /**
   * Caches an OpenFGA answer if nothing it depends on changed since `snapshot`; returns whether it was cached.
   * No answer from a snapshot with a revoke outstanding is cached: OpenFGA answered without it (revokes
   * cannot be sent as contextual tuples), and its settle moves no generation. An "allowed" may predate it;
   * so may a "denied" where the revoke removes a `but not` exclusion, which must not outlive the flush.
   */
  async populate(t: Tuple, modelId: string | undefined, snapshot: CacheSnapshot, allowed: boolean): Promise<boolean> {
    if (!this.settings.enabled || snapshot.outstandingRevokes > 0) return false;
    const k = this.keys;
    const ttl = allowed ? this.settings.ttlMs : this.settings.negativeTtlMs;
    const cached = await this.scripts.run<number>(
      'populate',
      [cacheKey(k, modelId, tupleKey(t)), k.base + objectGen(t.object), k.base + userGen(t.user), k.epoch, k.count],
      [snapshot.objectGen, snapshot.userGen, snapshot.epoch, allowed ? 1 : 0, ttl],
    );
    return cached === 1;
  }
}
