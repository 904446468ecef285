import type { Cluster, Redis } from 'ioredis';
import { join } from 'node:path';
import type { ReadSnapshot } from '../buffer/outstanding-ops';
import type { LuaScripts } from '../redis/lua-scripts';
import type { PrimaryWatch } from '../redis/primary-watch';
import type { RedisAvailability } from '../redis/redis-availability';
import { cacheKey, objectGen, relationGen, StoreKeys, tupleKey, userGen } from '../redis/redis-keys';
import type { ReadScope } from '../scope/relation-scope';
import type { Tuple } from '../tuple/tuple';
import type { CacheAdmission } from './cache-admission';
import { CoalescedMget } from './coalesced-mget';

/** A cached answer (`allowed`), or a miss, with the snapshot of a quiet store when the MGET found it quiet. */
export interface CacheLookup {
  allowed?: boolean;
  quiet?: ReadSnapshot;
}

/**
 * The cached answers. A warm check is one MGET of the cached answer, its
 * object's, user's and relation's generations and the epoch, compared here:
 * no script. A miss is the read engine's business (it takes a snapshot of
 * the buffer, see buffer/outstanding-ops.ts, and asks OpenFGA), except that
 * the same MGET tells it when the store is quiet (see lookupMany): then the
 * snapshot is known without a script.
 *
 * An answer is cached (populate: compare and set) only if no generation it
 * records moved since the snapshot it was computed from, and the store
 * follows the reader's relation graph. Every write bumps, in the same step
 * as its enqueue, the generations of its object's and user's buckets and of
 * the relations the graph says it reaches from elsewhere (or the epoch, when
 * it cannot tell); generations never repeat a value. So an answer whose
 * recorded generations are all current was computed after every write that
 * may change it. Invalidation is by generations, never by scanning; objects
 * or users sharing a bucket only cost extra misses.
 *
 * A reader without a graph compares against a relation key no write bumps,
 * so it trusts a cached answer only while the store follows no graph either
 * (then every write bumps the epoch); an answer a graph reader cached may
 * depend on a relation generation it cannot see.
 */
export class CheckCache {
  private readonly reads: CoalescedMget;
  /** The relation generation of readers without a graph: no write bumps it (they rely on the epoch). */
  private readonly unscopedRelationKey: string;

  constructor(
    redis: Redis | Cluster,
    private readonly scripts: LuaScripts,
    private readonly keys: StoreKeys,
    private readonly settings: { enabled: boolean; ttlMs: number; negativeTtlMs: number },
    /** Drops cached answers on a new Redis primary; reads wait until it verified the current one. */
    private readonly primary?: PrimaryWatch,
    availability?: RedisAvailability,
    /** Pauses caching while a `noeviction` node is near its `maxmemory` (see cache-admission.ts). */
    readonly admission?: CacheAdmission,
  ) {
    scripts.use(join(__dirname, 'lua'));
    this.reads = new CoalescedMget(redis, availability);
    this.unscopedRelationKey = keys.base + relationGen('');
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** The cached answer of one check (undefined: a miss). */
  async cached(t: Tuple, modelId: string | undefined, scope: ReadScope | undefined): Promise<boolean | undefined> {
    return (await this.lookup(t, modelId, scope)).allowed;
  }

  /** One check's cached answer, or on a miss the snapshot of a quiet store (see `lookupMany`). */
  async lookup(t: Tuple, modelId: string | undefined, scope: ReadScope | undefined): Promise<CacheLookup> {
    if (!this.settings.enabled) return {};
    return (await this.lookupMany([{ t, scope }], modelId))[0];
  }

  /**
   * The cached answers of many checks in ONE MGET. Shared generation keys
   * are read once. The same MGET reads the store's `quiet` marker and `seq`:
   * while they are equal nothing is outstanding, and a miss gets the snapshot
   * the snapshot script would have returned at that instant (its
   * generations, no op, complete): the read needs no script before asking OpenFGA.
   */
  async lookupMany(checks: readonly { t: Tuple; scope: ReadScope | undefined }[], modelId: string | undefined): Promise<CacheLookup[]> {
    if (!this.settings.enabled || checks.length === 0) return checks.map(() => ({}));
    const verifying = this.primary?.verified;
    if (verifying) await verifying;
    const k = this.keys;
    const keys: string[] = [];
    const at = new Map<string, number>();
    const slot = (key: string) => {
      let i = at.get(key);
      if (i === undefined) at.set(key, (i = keys.push(key) - 1));
      return i;
    };
    const plan = checks.map(({ t, scope }) => [
      slot(cacheKey(k, modelId, tupleKey(t))),
      slot(k.base + objectGen(t.object)),
      slot(k.base + userGen(t.user)),
      slot(scope?.relationKey ?? this.unscopedRelationKey),
      slot(k.epoch),
      scope ? -1 : slot(k.graph),
    ]);
    const [quiet, seq, revoked] = [slot(k.quiet), slot(k.seq), slot(k.revoked)];
    const values = await this.reads.mget(keys);
    return plan.map(([answer, o, u, x, e, g]): CacheLookup => {
      const cached = values[answer];
      const [objectGen, userGen, relationGen, epoch] = [values[o] ?? '0', values[u] ?? '0', values[x] ?? '0', values[e] ?? '0'];
      // Without a graph: only while the store follows none (see the class comment).
      const trusted =
        cached !== null && cached.slice(2) === `${objectGen}|${userGen}|${relationGen}|${epoch}` && (g < 0 || (values[g] ?? '') === '');
      if (trusted) {
        if (cached.startsWith('y|')) return { allowed: true };
        if (cached.startsWith('n|')) return { allowed: false };
      }
      // Quiet only while no op was added since (every add moves seq, see redis-keys.ts).
      if (values[quiet] === null || values[quiet] !== (values[seq] ?? '0')) return {};
      const revokedAt = Number(values[revoked] ?? 0);
      return { quiet: { objectGen, userGen, relationGen, epoch, outstandingRevokes: 0, revokedAt, ops: [], complete: true } };
    });
  }

  /**
   * Caches an OpenFGA answer if nothing it depends on changed since `snapshot` and the store follows the
   * reader's graph (`graphId`, '' none); returns whether it was cached. The read engine decides whether
   * an answer may be cached at all (see ReadEngine.cacheable).
   */
  async populate(
    t: Tuple,
    modelId: string | undefined,
    scope: ReadScope | undefined,
    snapshot: ReadSnapshot,
    allowed: boolean,
  ): Promise<boolean> {
    if (!this.settings.enabled) return false;
    return (await this.populateMany([{ t, scope, snapshot, allowed }], modelId)) === 1;
  }

  /** `populate` for many answers in ONE script call (batchCheck); returns how many were cached. */
  async populateMany(
    answers: readonly { t: Tuple; scope: ReadScope | undefined; snapshot: ReadSnapshot; allowed: boolean }[],
    modelId: string | undefined,
  ): Promise<number> {
    if (!this.settings.enabled || answers.length === 0) return 0;
    const admission = this.admission;
    if (admission && !admission.admits) return 0;
    if (answers.length === 1) {
      const [{ t, scope, snapshot: s, allowed }] = answers;
      const keys = this.answerKeys(t, scope, modelId);
      admission?.added(answerBytes(keys[0]));
      return this.scripts.run<number>('populate', keys, this.answerArgs(scope, s, allowed));
    }
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const { t, scope, snapshot, allowed } of answers) {
      const answerKeys = this.answerKeys(t, scope, modelId);
      admission?.added(answerBytes(answerKeys[0]));
      keys.push(...answerKeys);
      args.push(...this.answerArgs(scope, snapshot, allowed));
    }
    return this.scripts.run<number>('populate-many', keys, args);
  }

  /** The keys `populate` writes an answer under: the answer, its object's and user's buckets, its relation, the epoch, the graph. */
  private answerKeys(t: Tuple, scope: ReadScope | undefined, modelId: string | undefined): string[] {
    const k = this.keys;
    return [
      cacheKey(k, modelId, tupleKey(t)),
      k.base + objectGen(t.object),
      k.base + userGen(t.user),
      scope?.relationKey ?? this.unscopedRelationKey,
      k.epoch,
      k.graph,
    ];
  }

  private answerArgs(scope: ReadScope | undefined, s: ReadSnapshot, allowed: boolean): (string | number)[] {
    const ttl = allowed ? this.settings.ttlMs : this.settings.negativeTtlMs;
    return [s.objectGen, s.userGen, s.relationGen, s.epoch, allowed ? 1 : 0, ttl, scope?.graphId ?? ''];
  }
}

/** What one cached answer takes in Redis, roughly: its key, its value (answer and generations) and the per-key overhead with its TTL. */
function answerBytes(key: string): number {
  return key.length + 160;
}
