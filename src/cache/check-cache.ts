import { BufferScripts } from '../buffer/buffer-scripts';
import { cacheSuffix, parseTupleKey, StoreKeys, tupleKey } from '../redis/redis-keys';
import type { Tuple } from '../tuple/tuple';

/** Versions of what a cached answer depended on, read before asking OpenFGA. */
export interface CacheSnapshot {
  objectGen: string;
  userGen: string;
  epoch: string;
  /** Revokes pending or in flight in the store when the snapshot was taken. */
  outstandingRevokes: number;
  /** Tuples whose latest outstanding op is a grant. */
  outstandingGrants: number;
  /** Those tuples, when there are at most MAX_CONTEXTUAL_TUPLES of them. */
  pendingGrants?: Tuple[];
}

/** OpenFGA accepts at most 100 contextual tuples per check. */
export const MAX_CONTEXTUAL_TUPLES = 100;

export type LookupResult = { source: 'buffer' | 'cache'; allowed: boolean } | { source: 'miss'; snapshot: CacheSnapshot };

/**
 * The read side: buffer first (exact tuple), then the cached answer, in one
 * round trip. Cached answers are invalidated by marker versions, not by
 * scanning: any write to the same object or user (and, for "allowed"
 * answers, any revoke) makes them unservable.
 */
export class CheckCache {
  constructor(
    private readonly scripts: BufferScripts,
    private readonly keys: StoreKeys,
    private readonly settings: { enabled: boolean; ttlMs: number; negativeTtlMs: number },
  ) {}

  async lookup(t: Tuple, modelId: string | undefined, useCache = this.settings.enabled): Promise<LookupResult> {
    const k = this.keys;
    const reply = await this.scripts.run<(number | string)[]>(
      'check',
      [k.pending, k.inflight, k.count, k.epoch],
      [k.base, tupleKey(t), cacheSuffix(modelId, t), useCache ? '1' : '0', MAX_CONTEXTUAL_TUPLES],
    );
    if (reply[0] === 1) return { source: 'buffer', allowed: reply[1] === 1 };
    if (reply[0] === 2) return { source: 'cache', allowed: reply[1] === 1 };
    return {
      source: 'miss',
      snapshot: {
        objectGen: String(reply[1]),
        userGen: String(reply[2]),
        epoch: String(reply[3]),
        outstandingRevokes: Number(reply[4]),
        outstandingGrants: Number(reply[5]),
        ...(Number(reply[5]) <= MAX_CONTEXTUAL_TUPLES ? { pendingGrants: reply.slice(6).map((key) => parseTupleKey(String(key))) } : {}),
      },
    };
  }

  /** Caches an OpenFGA answer if nothing it depends on changed since `snapshot`; returns whether it was cached. */
  async populate(t: Tuple, modelId: string | undefined, snapshot: CacheSnapshot, allowed: boolean): Promise<boolean> {
    if (!this.settings.enabled) return false;
    const k = this.keys;
    const ttl = allowed ? this.settings.ttlMs : this.settings.negativeTtlMs;
    const cached = await this.scripts.run<number>(
      'populate',
      [k.epoch, k.count],
      [k.base, tupleKey(t), cacheSuffix(modelId, t), snapshot.objectGen, snapshot.userGen, snapshot.epoch, allowed ? 1 : 0, ttl],
    );
    return cached === 1;
  }
}
