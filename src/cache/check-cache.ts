import type { Cluster, Redis } from 'ioredis';
import { join } from 'node:path';
import type { LuaScripts } from '../redis/lua-scripts';
import { cacheKey, objectGen, parseTupleKey, relationGen, StoreKeys, tupleKey, userGen } from '../redis/redis-keys';
import { CoalescedMget } from './coalesced-mget';
import type { ReadScope } from './relation-scope';
import type { ConditionalTuple, Tuple, TupleCondition } from '../tuple/tuple';

/** An outstanding op (pending or in flight) a check may depend on. */
export interface OutstandingOp {
  kind: 'grant' | 'revoke';
  key: string;
  tuple: Tuple;
  /** Its buffer position. */
  seq: number;
  /** A grant's condition: sent with it as a contextual tuple; OpenFGA evaluates it. */
  condition?: TupleCondition;
}

/** A pending grant as a contextual tuple: with its condition, which OpenFGA evaluates as it would the written tuple's. */
export function contextual(op: OutstandingOp): ConditionalTuple {
  return op.condition ? { ...op.tuple, condition: op.condition } : op.tuple;
}

/**
 * Whether an answer may depend on a condition (the time, the request's context): one of its pending
 * grants is conditional. Such an answer is never cached: a cached "allowed" would outlive its condition.
 */
export function conditionalIn(snapshot: CacheSnapshot): boolean {
  return (snapshot.ops ?? []).some((op) => op.condition !== undefined);
}

/** Generations of what a cached answer depends on, read before asking OpenFGA (see redis-keys.ts). */
export interface CacheSnapshot {
  objectGen: string;
  userGen: string;
  relationGen: string;
  epoch: string;
  /** Revokes pending or in flight in the whole store when the snapshot was taken. */
  outstandingRevokes: number;
  /** When a revoke was last written to OpenFGA by any process (ms since the epoch; 0: never). */
  revokedAt: number;
  /** The graph the store's cache follows ('' none). */
  storeGraph: string;
  /**
   * With a read scope: the outstanding ops the answer may depend on (both kinds), complete when
   * `complete`. Without one: the store's outstanding grants when they could be listed, else undefined.
   */
  ops?: OutstandingOp[];
  /** Whether `ops` lists every op the answer may depend on. */
  complete: boolean;
}

/** OpenFGA accepts at most 100 contextual tuples per check. */
export const MAX_CONTEXTUAL_TUPLES = 100;

/**
 * Most outstanding operations a cache miss reads. Without a read scope, a
 * larger buffer is flushed before OpenFGA is asked; with one, the listed
 * relevant ops are written first (a priority claim) until the rest fit.
 */
export const MAX_LISTED_OPERATIONS = 256;

export type LookupResult = { source: 'cache'; allowed: boolean } | { source: 'miss'; snapshot: CacheSnapshot };

/**
 * The read side. A warm check is one MGET of the cached answer, its object's,
 * user's and relation's generations and the epoch, compared here: no script.
 * Anything else (no answer, a stale one, or the cache bypassed) runs the
 * check script, which returns a snapshot for asking OpenFGA: the outstanding
 * ops the answer may depend on (read from the index ranges of its read
 * scope; without one, the store's pending grants), and the generations.
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
  ) {
    scripts.use(join(__dirname, 'lua'));
    this.reads = new CoalescedMget(redis);
    this.unscopedRelationKey = keys.base + relationGen('');
  }

  /**
   * The cached answers of many checks in ONE MGET (undefined: a miss, which
   * `lookup(..., false)` then takes the snapshot of). The same comparison as
   * `lookup`'s warm path; shared generation keys are read once.
   */
  async cachedAnswers(
    checks: readonly { t: Tuple; scope: ReadScope | undefined }[],
    modelId: string | undefined,
  ): Promise<(boolean | undefined)[]> {
    if (!this.settings.enabled || checks.length === 0) return checks.map(() => undefined);
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
    ]);
    const values = await this.reads.mget(keys);
    return plan.map(([answer, o, u, x, e]) => {
      const cached = values[answer];
      const gens = `${values[o] ?? '0'}|${values[u] ?? '0'}|${values[x] ?? '0'}|${values[e] ?? '0'}`;
      if (cached === null || cached.slice(2) !== gens) return undefined;
      return cached.startsWith('y|') ? true : cached.startsWith('n|') ? false : undefined;
    });
  }

  async lookup(
    t: Tuple,
    modelId: string | undefined,
    scope: ReadScope | undefined,
    useCache = this.settings.enabled,
    /** Without a read scope: most pending grants to list (more: an incomplete snapshot). */
    maxGrants = MAX_CONTEXTUAL_TUPLES,
  ): Promise<LookupResult> {
    const k = this.keys;
    const objectKey = k.base + objectGen(t.object);
    const userKey = k.base + userGen(t.user);
    const relationKey = scope?.relationKey ?? this.unscopedRelationKey;
    if (useCache) {
      const [answer, o, u, x, e] = await this.reads.mget([cacheKey(k, modelId, tupleKey(t)), objectKey, userKey, relationKey, k.epoch]);
      if (answer !== null && answer.slice(2) === `${o ?? '0'}|${u ?? '0'}|${x ?? '0'}|${e ?? '0'}`) {
        if (answer.startsWith('y|')) return { source: 'cache', allowed: true };
        if (answer.startsWith('n|')) return { source: 'cache', allowed: false };
      }
    }
    // The cache was just read (or is bypassed): the script only takes the snapshot of a miss.
    const { keys, args } = this.snapshotCall(t, scope, maxGrants);
    const reply = await this.scripts.run<(number | string)[]>('check', keys, args);
    return { source: 'miss', snapshot: parseSnapshot(reply, scope !== undefined) };
  }

  /**
   * The snapshots of many misses in ONE script call (batchCheck), as `lookup`
   * with the cache bypassed takes each; in the order of `checks`.
   */
  async snapshots(checks: readonly { t: Tuple; scope: ReadScope | undefined; maxGrants: number }[]): Promise<CacheSnapshot[]> {
    if (checks.length === 0) return [];
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const c of checks) {
      const call = this.snapshotCall(c.t, c.scope, c.maxGrants);
      keys.push(...call.keys);
      args.push(call.args.length, ...call.args);
    }
    const replies = await this.scripts.run<(number | string)[][]>('check-many', keys, args);
    return replies.map((reply, i) => parseSnapshot(reply, checks[i].scope !== undefined));
  }

  /** The keys and arguments of the check script for one miss (see check-10.lua). */
  private snapshotCall(t: Tuple, scope: ReadScope | undefined, maxGrants: number): { keys: string[]; args: (string | number)[] } {
    const k = this.keys;
    const args: (string | number)[] = [MAX_LISTED_OPERATIONS];
    if (scope) {
      args.push('scoped', scope.graphId);
      for (const r of scope.ranges) args.push(r.pair, r.kind, r.value);
    } else {
      args.push('all', maxGrants);
    }
    const keys = [
      k.base + objectGen(t.object),
      k.base + userGen(t.user),
      scope?.relationKey ?? this.unscopedRelationKey,
      k.epoch,
      k.count,
      k.revoked,
      k.pending,
      k.inflight,
      k.base,
      k.graph,
    ];
    return { keys, args };
  }

  /**
   * Caches an OpenFGA answer if nothing it depends on changed since `snapshot` and the store follows the
   * reader's graph (`graphId`, '' none); returns whether it was cached. The caller never caches an answer
   * computed while a revoke it depends on was outstanding: OpenFGA answered without it (revokes cannot be
   * sent as contextual tuples), and its settle moves no generation.
   */
  async populate(
    t: Tuple,
    modelId: string | undefined,
    scope: ReadScope | undefined,
    snapshot: CacheSnapshot,
    allowed: boolean,
  ): Promise<boolean> {
    if (!this.settings.enabled) return false;
    const ttl = allowed ? this.settings.ttlMs : this.settings.negativeTtlMs;
    const cached = await this.scripts.run<number>('populate', this.answerKeys(t, scope, modelId), [
      snapshot.objectGen,
      snapshot.userGen,
      snapshot.relationGen,
      snapshot.epoch,
      allowed ? 1 : 0,
      ttl,
      scope?.graphId ?? '',
    ]);
    return cached === 1;
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

  /** `populate` for many answers in ONE script call (batchCheck); returns how many were cached. */
  async populateMany(
    answers: readonly { t: Tuple; scope: ReadScope | undefined; snapshot: CacheSnapshot; allowed: boolean }[],
    modelId: string | undefined,
  ): Promise<number> {
    if (!this.settings.enabled || answers.length === 0) return 0;
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const { t, scope, snapshot: s, allowed } of answers) {
      keys.push(...this.answerKeys(t, scope, modelId));
      const ttl = allowed ? this.settings.ttlMs : this.settings.negativeTtlMs;
      args.push(s.objectGen, s.userGen, s.relationGen, s.epoch, allowed ? 1 : 0, ttl, scope?.graphId ?? '');
    }
    return this.scripts.run<number>('populate-many', keys, args);
  }
}

/** A check script's reply as a snapshot (see check-10.lua). */
function parseSnapshot(reply: (number | string)[], scoped: boolean): CacheSnapshot {
  const indexed = Number(reply[7]);
  const ops: OutstandingOp[] = [];
  for (let i = 8; i < reply.length; i += 4) {
    const key = String(reply[i + 1]);
    const condition = reply[i + 3] ? (JSON.parse(String(reply[i + 3])) as TupleCondition) : undefined;
    ops.push({
      kind: reply[i] === 'w' ? 'grant' : 'revoke',
      key,
      tuple: parseTupleKey(key),
      seq: Number(reply[i + 2]),
      ...(condition ? { condition } : {}),
    });
  }
  // Scoped: every indexed entry was read (each op has two or three, in different ranges or not).
  const complete = scoped ? indexed <= MAX_LISTED_OPERATIONS : indexed >= 0;
  return {
    objectGen: String(reply[0]),
    userGen: String(reply[1]),
    relationGen: String(reply[2]),
    epoch: String(reply[3]),
    outstandingRevokes: Number(reply[4]),
    revokedAt: Number(reply[5]),
    storeGraph: String(reply[6]),
    ...(scoped || complete ? { ops } : {}),
    complete,
  };
}
