import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { batchKey, objectGen, parseTupleKey, StoreKeys, userGen } from '../redis/redis-keys';
import type { ReplicaAcknowledgement } from '../redis/replica-acknowledgement';
import { RelationScope } from '../scope/relation-scope';
import { inLastOpSteps } from '../client/last-op-steps';
import type { TupleCondition, TupleOperation } from '../tuple/tuple';
import { OpenFgaEvents } from '../events/openfga-events';
import type { LuaScripts } from '../redis/lua-scripts';
import { conditionField, modelField } from './buffer-record';
import { BUFFER_LUA_DIR } from './buffer-scripts';
import { CoalescedEnqueue, EnqueueChunk, EnqueueResult } from './coalesced-enqueue';
import { IncompleteClearError } from './incomplete-clear.error';
import { BufferedOperation, ClaimedBatch, DeadLetter, DeadLetterRetry, OP_CODE, OP_KIND } from './buffered-operation';

export interface BufferCounts {
  pending: { writes: number; deletes: number; total: number };
  /** Operations claimed by a flush and not yet settled: being written, or waiting out a retry backoff. */
  inFlight: number;
  deadLettered: number;
  /**
   * Age of the oldest operation acknowledged and not yet written to OpenFGA, or null when there is none:
   * pending (claimable, or waiting on an in-flight op on its tuple) or in flight (being written, or
   * waiting out a retry backoff after a failed write). O(log n) to read.
   */
  oldestAgeMs: number | null;
  /** Result of the last flush any process recorded, or null. */
  lastFlush: unknown;
}

export interface Settlement {
  acked: string[];
  dead: { key: string; reason: string }[];
  /** When the rest of the batch returns to the buffer (ms since the epoch); 0 = at the next claim. */
  retryAt: number;
  /**
   * The rest only waits out a backoff and nobody works on it meanwhile: a
   * later settle that writes everything it was given (OpenFGA is back) returns
   * it early. False while a job still owns it (queue mode, between attempts).
   */
  held?: boolean;
  /** Queue mode: the owner token of the job settling it (see renewLease); a settle by another job gets -1. */
  owner?: string;
}

/** A job that owns the batch (queue mode): its token and how long a renewal keeps its ownership. */
export interface LeaseOwner {
  token: string;
  ownMs: number;
}

/** What a lease renewal found: renewed, the batch gone, or (queue mode) owned by another job until `ownedUntil`. */
export type LeaseRenewal = { status: 'held' } | { status: 'gone' } | { status: 'owned'; ownedUntil: number };

/** What `reassert` did: ops queued again, and ops whose tuple had no newer op recorded (nothing to correct, or its record expired). */
export interface Reassertion {
  queued: number;
  unknown: number;
}

/** reassert's op code of a half-replaced grant (see reassert-10+.lua). */
const HALF_REPLACED = 'r';

/**
 * How long the tuples of a batch whose lease expired under a possibly live
 * writer stay watched (see lua/includes/watchBatch.lua): the late write of a
 * writer that stalled longer than this is not corrected by `reassert`.
 */
export const LOST_BATCH_RETENTION_MS = 15 * 60_000;

/**
 * The KEYS of settle; the first eleven are those of claim (both return
 * expired batches to the buffer, see requeueBatch.lua). `base` is the prefix
 * a batch key is built from (`b:<id>`, see batchKey).
 */
function settleKeys(k: StoreKeys): string[] {
  return [
    k.pending,
    k.queue,
    k.inflight,
    k.leases,
    k.count,
    k.flight,
    k.owners,
    k.watch,
    k.watchExpiry,
    k.held,
    k.base,
    k.dead,
    k.models,
    k.seq,
    k.epoch,
    k.deadTuples,
    k.revoked,
    k.quiet,
  ];
}

/**
 * The durable buffer of one store in Redis. Every mutation is one Lua script,
 * so concurrent processes never see a half-applied step.
 */
/**
 * Tuples per enqueue script call. A script blocks every Redis client while it
 * runs (a few µs per tuple): 1,000 keeps that to a few milliseconds.
 */
export const ENQUEUE_CHUNK = 1000;

/** Pending ops one clear step discards (see clear-8.lua): a few milliseconds of Redis each. */
export const CLEAR_STEP = 2000;

/** Dead letters one purge step deletes by id (see purge-dead-2.lua). */
export const PURGE_STEP = 1000;

/** Options of `clear`. */
export interface ClearOptions {
  /**
   * Discard only operations buffered at or before this buffer position (`backlog().position`, or an
   * operation's `seq`); those buffered after it are kept. Default, and at most: the position when the
   * clear begins.
   */
  upTo?: number;
}

/** What `clear` would discard now, and the position to pass it so that it discards nothing buffered since. */
export interface BufferBacklog {
  /** Pending operations: claimable, or waiting on an in-flight operation of their tuple. */
  pending: { writes: number; deletes: number; total: number };
  /**
   * Operations whose write failed (OpenFGA unreachable or erroring) and that wait out a retry backoff:
   * no flush is writing them; the next flush that reaches OpenFGA does. `clear` discards them too.
   */
  retrying: number;
  /** Operations a flush is writing now (or may be): `clear` leaves them to finish. */
  writing: number;
  /** The buffer position of this count: `clear({ upTo: position })` discards nothing buffered after it. */
  position: number;
}

export interface WriteBufferSettings {
  /** How long after its expiry a lease is taken back: covers a request of its writer still in flight (see claim-11.lua). */
  graceMs?: number;
  /** Tuples per enqueue script call (benchmarks compare against one call for everything). */
  enqueueChunk?: number;
  /** Pending ops per clear step (tests take a few, to clear in many steps). */
  clearStep?: number;
  /** Which cached answers a write invalidates, by the model's relation graph (none: every write is store-wide). */
  scope?: RelationScope;
  /** Replicated acknowledgement: enqueue and clear resolve once the replicas it asks for have the write. */
  acknowledgement?: ReplicaAcknowledgement;
}

export class WriteBuffer {
  readonly graceMs: number;
  readonly scope: RelationScope;
  private readonly acknowledgement?: ReplicaAcknowledgement;
  private readonly enqueueChunk: number;
  private readonly clearStep: number;
  /** Model ids by their index in the store's `models` hash (an index never changes its model). */
  private readonly models = new Map<string, string>();
  /** Concurrent enqueues share one script call (see coalesced-enqueue.ts). */
  private readonly coalesced: CoalescedEnqueue;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly scripts: LuaScripts,
    readonly keys: StoreKeys,
    readonly events = new OpenFgaEvents(),
    settings: WriteBufferSettings = {},
  ) {
    scripts.use(BUFFER_LUA_DIR);
    this.graceMs = settings.graceMs ?? 0;
    this.enqueueChunk = settings.enqueueChunk ?? ENQUEUE_CHUNK;
    this.clearStep = settings.clearStep ?? CLEAR_STEP;
    this.scope = settings.scope ?? new RelationScope(keys);
    this.acknowledgement = settings.acknowledgement;
    this.coalesced = new CoalescedEnqueue((chunk, modelId) => this.enqueueOnce(chunk, modelId), this.enqueueChunk);
  }

  /**
   * Appends operations (and invalidates what they may change); returns the last buffer position and the queue length.
   * Ops on the same tuple coalesce here already: only the last one is sent (it is what the buffer would keep).
   * A call of more than `ENQUEUE_CHUNK` tuples runs as several script calls, each atomic, in order: one
   * script blocks every Redis client while it runs. When one fails after others succeeded, the error is an
   * `IncompleteWriteError` saying how many tuples are buffered (a prefix, never part of a chunk).
   */
  async enqueue(ops: readonly TupleOperation[], modelId = ''): Promise<{ seq: number; queued: number }> {
    const started = this.events.has('enqueued') ? performance.now() : 0;
    const result = (await inLastOpSteps(ops, this.enqueueChunk, 'buffered in Redis', (chunk) =>
      this.coalesced.enqueue(chunk, modelId),
    )) ?? {
      seq: 0,
      queued: 0,
    };
    await this.acknowledgement?.confirm();
    if (started) this.events.emit('enqueued', { operations: ops, seq: result.seq, durationMs: performance.now() - started });
    return result;
  }

  /**
   * One atomic enqueue script call: at most one op per tuple. It bumps the generations the relation graph
   * says the ops may change (see RelationScope), and the store's epoch when it cannot tell.
   */
  private async enqueueOnce(chunk: EnqueueChunk, modelId: string): Promise<EnqueueResult> {
    const k = this.keys;
    const scope = this.scope.forWrite(chunk.map(([, op]) => op));
    const args: (string | number)[] = [Date.now(), modelId, scope.storeWide ? 1 : 0, scope.graphId, chunk.length];
    // A conditional grant's condition rides on its op code (see appendOps.lua); an unconditional op is unchanged.
    for (const [key, op] of chunk) args.push(op.condition ? OP_CODE[op.kind] + JSON.stringify(op.condition) : OP_CODE[op.kind], key);
    const [seq, queued, modelIndex] = await this.scripts.run<[number, number, string]>(
      'enqueue',
      [k.seq, k.pending, k.queue, k.count, k.epoch, k.models, k.graph, k.base, k.byUser, ...scope.keys],
      args,
    );
    if (modelIndex) this.models.set(modelIndex, modelId);
    return { seq, queued };
  }

  /**
   * Indexes the ops a version without the outstanding-op index buffered (once per store; then one GET).
   * Returns how many were indexed.
   */
  indexBuffered(): Promise<number> {
    const k = this.keys;
    return this.scripts.run<number>('index-buffer', [k.pending, k.inflight, k.indexed, k.base, k.byUser], []);
  }

  /** Write-through mode and the change feed: invalidates what the ops may change without buffering them. */
  async invalidate(ops: readonly TupleOperation[]): Promise<number> {
    const k = this.keys;
    const scope = this.scope.forWrite(ops);
    // Any change written to OpenFGA outside a settle makes the read path ask with higher consistency for a while:
    // OpenFGA's check cache may still hold the answer from before a grant too (a "denied", or an "allowed" a
    // `but not` grant took away), and a miss would cache it anew for a whole ttl/negativeTtl.
    const revokedAt = ops.length > 0 ? Date.now() : 0;
    return this.scripts.run<number>(
      'invalidate',
      [k.seq, k.epoch, k.revoked, k.graph, ...scope.keys],
      [revokedAt, scope.storeWide ? 1 : 0, scope.graphId],
    );
  }

  /**
   * Claims up to `limit` operations under a lease of `leaseMs` (`leasedUntil`: its end by this process's clock);
   * also returns leases expired for longer than `graceMs` to the buffer first.
   * With `probe`, when nothing is claimable, one batch waiting out a backoff is claimed early (see claim-11.lua).
   */
  async claim(limit: number, leaseMs: number, probe = false): Promise<ClaimedBatch | undefined> {
    const k = this.keys;
    const id = randomUUID();
    const now = Date.now();
    const flat = await this.scripts.run<string[]>('claim', settleKeys(k).slice(0, 11), [
      now,
      limit,
      leaseMs,
      id,
      probe ? 1 : 0,
      this.graceMs,
      LOST_BATCH_RETENTION_MS,
    ]);
    if (flat.length === 0) return undefined;
    return { id, operations: await this.decode(flat), leasedUntil: now + leaseMs };
  }

  /**
   * A priority claim: the pending ops of the given tuples (by tuple key) that are not in flight, as one
   * leased batch, ahead of older ops of other tuples (see claim-tuples-11.lua). Undefined when none is claimable.
   */
  async claimTuples(tupleKeys: readonly string[], leaseMs: number): Promise<ClaimedBatch | undefined> {
    if (tupleKeys.length === 0) return undefined;
    const id = randomUUID();
    const now = Date.now();
    const flat = await this.scripts.run<string[]>('claim-tuples', settleKeys(this.keys).slice(0, 11), [now, leaseMs, id, ...tupleKeys]);
    if (flat.length === 0) return undefined;
    return { id, operations: await this.decode(flat), leasedUntil: now + leaseMs };
  }

  /**
   * Settles a claimed batch; returns how many ops stay leased, or -1 when the batch is no longer this
   * writer's (its lease expired and another process took it over; queue mode: another job owns it).
   * After -1, call `reassert` with what was written.
   */
  async settle(batchId: string, s: Settlement): Promise<number> {
    const k = this.keys;
    const args: (string | number)[] = [
      Date.now(),
      batchId,
      s.retryAt,
      s.held ? 1 : 0,
      this.graceMs,
      s.owner ?? '',
      s.acked.length,
      ...s.acked,
    ];
    for (const d of s.dead) args.push(d.key, d.reason);
    const left = await this.scripts.run<number>('settle', settleKeys(k), args);
    if (left >= 0) {
      this.events.emit('settled', { batchId, acked: s.acked, dead: s.dead });
      if (s.dead.length)
        this.events.emit('deadLettered', { operations: s.dead.map((d) => ({ operation: { key: d.key }, reason: d.reason })) });
    }
    return left;
  }

  /**
   * After a settle found the batch no longer this writer's: what it wrote
   * may have landed after a newer write of the same tuples, so the latest op
   * of each is queued again (see reassert-10+.lua). A half-replaced grant (its condition
   * replacement's delete sent, its write unconfirmed) is queued again even when the latest op is
   * itself: its delete may have landed after another writer wrote it.
   */
  async reassert(written: readonly BufferedOperation[], halfReplaced: readonly BufferedOperation[] = []): Promise<Reassertion> {
    if (written.length === 0 && halfReplaced.length === 0) return { queued: 0, unknown: 0 };
    const k = this.keys;
    const args: (string | number)[] = [Date.now()];
    const keys = [k.seq, k.pending, k.queue, k.count, k.epoch, k.inflight, k.watch, k.revoked, k.base, k.byUser];
    const half = new Set(halfReplaced);
    for (const op of [...written.filter((o) => !half.has(o)), ...halfReplaced]) {
      args.push(half.has(op) ? HALF_REPLACED : OP_CODE[op.kind], op.key, op.seq);
      keys.push(k.base + objectGen(op.object), k.base + userGen(op.user));
    }
    const [queued, unknown] = await this.scripts.run<[number, number]>('reassert', keys, args);
    return { queued, unknown };
  }

  /**
   * Gives a claimed batch back unwritten (a flush that claimed ahead and then
   * stopped): its operations return to the buffer at once, their attempts
   * unchanged. Returns false when the batch was gone already.
   */
  async release(batchId: string): Promise<boolean> {
    const k = this.keys;
    const left = await this.scripts.run<number>('settle', settleKeys(k), [Date.now(), batchId, -1, 0, this.graceMs, '', 0]);
    return left >= 0;
  }

  /**
   * The operations of a claimed batch still leased, by id (queue mode: a job
   * carries only the id; the operations stay in Redis). Undefined when the
   * batch is gone: settled, or its lease expired and claim returned it to the buffer.
   */
  async loadBatch(batchId: string): Promise<ClaimedBatch | undefined> {
    const raw = await this.redis.hgetall(batchKey(this.keys, batchId));
    const operations = await this.decode(Object.entries(raw).flat());
    return operations.length ? { id: batchId, operations: operations.sort((a, b) => a.seq - b.seq) } : undefined;
  }

  /**
   * Renews a lease still held, to `at + leaseMs` (`at`: when the renewal was sent, by this process's clock).
   * With `owner` (queue mode), also takes or renews the job's ownership of the batch (see renew-5.lua).
   */
  async renewLease(batchId: string, leaseMs: number, at = Date.now(), owner?: LeaseOwner): Promise<LeaseRenewal> {
    const k = this.keys;
    const [code, ownedUntil] = await this.scripts.run<[number, number?]>(
      'renew',
      [k.leases, k.owners, k.watch, k.watchExpiry, k.base],
      [batchId, at, leaseMs, owner?.token ?? '', owner?.ownMs ?? 0, this.graceMs, LOST_BATCH_RETENTION_MS],
    );
    if (code === 1) return { status: 'held' };
    if (code === 0) return { status: 'gone' };
    return { status: 'owned', ownedUntil: Number(ownedUntil) };
  }

  /** Extends a lease still held; false when it is gone. */
  async extendLease(batchId: string, leaseMs: number): Promise<boolean> {
    return (await this.renewLease(batchId, leaseMs)).status === 'held';
  }

  /** The lowest buffer position not yet settled (null: nothing outstanding) and the latest position handed out; O(log n). */
  async positions(): Promise<{ oldestOutstanding: number | null; latest: number }> {
    const k = this.keys;
    const [oldest, latest] = await this.scripts.run<[number, number]>(
      'oldest-seq',
      [k.queue, k.flight, k.leases, k.seq, k.count, k.base],
      [],
    );
    return { oldestOutstanding: oldest >= 0 ? oldest : null, latest };
  }

  /**
   * The position of the oldest outstanding op (in flight, else pending) of each tuple, by tuple key;
   * null when nothing is outstanding on it.
   */
  async outstandingPositions(tupleKeys: readonly string[]): Promise<(number | null)[]> {
    if (tupleKeys.length === 0) return [];
    const k = this.keys;
    const seqs = await this.scripts.run<number[]>('outstanding', [k.pending, k.inflight, k.base], [...tupleKeys]);
    return seqs.map((seq) => (seq >= 0 ? seq : null));
  }

  /** Whether the age trigger should flush now. */
  async isFlushDue(intervalMs: number): Promise<boolean> {
    const k = this.keys;
    return (await this.scripts.run<number>('due', [k.pending, k.queue, k.leases, k.held], [Date.now(), intervalMs, this.graceMs])) === 1;
  }

  async counts(): Promise<BufferCounts> {
    const k = this.keys;
    const [w, d, inFlight, dead, oldest, lastFlush] = await this.scripts.run<[number, number, number, number, number, string | null]>(
      'status',
      [k.pending, k.queue, k.count, k.dead, k.meta, k.inflight, k.flight, k.leases, k.base],
      [],
    );
    return {
      pending: { writes: w, deletes: d, total: w + d },
      inFlight,
      deadLettered: dead,
      oldestAgeMs: oldest >= 0 ? Math.max(0, Date.now() - oldest) : null,
      lastFlush: lastFlush ? JSON.parse(lastFlush) : null,
    };
  }

  async recordFlush(result: object): Promise<void> {
    await this.redis.hset(this.keys.meta, 'lastFlush', JSON.stringify({ ...result, at: new Date().toISOString() }));
  }

  /** Pending (not in-flight) operations, oldest first, read with HSCAN so a large buffer never blocks Redis. */
  async pendingOperations(limit = 1000): Promise<BufferedOperation[]> {
    const out: BufferedOperation[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.pending, cursor, 'COUNT', 500);
      out.push(...(await this.decode(flat)));
      cursor = next;
    } while (cursor !== '0' && out.length < limit);
    return out.sort((a, b) => a.seq - b.seq).slice(0, limit);
  }

  /**
   * The backlog a clear would discard, counted in one atomic step, with the buffer position of the
   * count: `clear({ upTo: position })` then discards no operation buffered after it (see backlog-6.lua).
   */
  async backlog(): Promise<BufferBacklog> {
    const k = this.keys;
    const [w, d, inFlight, retrying, position] = await this.scripts.run<[number, number, number, number, number]>(
      'backlog',
      [k.count, k.seq, k.held, k.leases, k.owners, k.base],
      [],
    );
    return {
      pending: { writes: w, deletes: d, total: w + d },
      retrying,
      writing: Math.max(0, inFlight - retrying),
      position,
    };
  }

  /**
   * Discards the operations buffered up to position `upTo` (default: the position when it is called;
   * a later one counts as that one) that no flush is writing: the pending ones, then those waiting out
   * a retry backoff after a failed write (their batch's writer is done and no job owns it). Batches
   * being written, and ops buffered after `upTo` or while it runs, are kept. Returns how many it
   * discarded. A large backlog goes in steps of `CLEAR_STEP` ops, each atomic, so Redis is never
   * blocked for long; a failure after the first step throws `IncompleteClearError`.
   */
  async clear(options: ClearOptions = {}): Promise<number> {
    const k = this.keys;
    const { upTo: requested } = options;
    if (requested !== undefined && !(Number.isSafeInteger(requested) && requested >= 0)) {
      throw new TypeError(`clear({ upTo }) must be a buffer position, an integer >= 0 (received ${String(requested)})`);
    }
    const keys = [k.pending, k.queue, k.count, k.seq, k.epoch, k.inflight, k.base, k.quiet];
    let count = 0;
    let upTo = requested === undefined ? '' : String(requested);
    try {
      for (let first = true, done = false; !done; first = false) {
        const [discarded, position, last] = await this.scripts.run<[number, number, number]>('clear', keys, [
          upTo,
          this.clearStep,
          first ? 1 : 0,
        ]);
        count += discarded;
        upTo = String(position);
        done = last === 1;
      }
      // Then the ops waiting out a retry backoff: nobody writes them until it ends (see clear-retrying-14.lua).
      const retryingKeys = [...settleKeys(k).slice(0, 11), k.seq, k.epoch, k.quiet];
      for (let cursor = '-inf'; cursor !== '';) {
        const [discarded, next] = await this.scripts.run<[number, string]>('clear-retrying', retryingKeys, [upTo, this.clearStep, cursor]);
        count += discarded;
        cursor = next;
      }
    } catch (err) {
      throw count ? new IncompleteClearError(count, err) : err;
    }
    await this.acknowledgement?.confirm();
    this.events.emit('cleared', { count });
    return count;
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const raw = await this.redis.hgetall(this.keys.dead);
    return Object.entries(raw)
      .map(([id, json]) => decodeDeadLetter(id, json))
      .sort((a, b) => a.operation.seq - b.operation.seq);
  }

  /**
   * Returns dead letters (all, or the given ids) to the buffer. One whose tuple
   * has a newer op (pending, in flight, written or dead-lettered since, or a
   * newer dead letter retried with it) is superseded and dropped: last op wins.
   */
  async retryDeadLetters(ids: readonly string[] = []): Promise<DeadLetterRetry> {
    const k = this.keys;
    // The script needs each tuple's generations, computed here: read the dead letters first
    // (an entry never changes; one retried or purged meanwhile is skipped by the script).
    let entries: [string, string | null][];
    if (ids.length) {
      const values = await this.redis.hmget(k.dead, ...ids);
      entries = ids.map((id, i) => [id, values[i]]);
    } else {
      entries = Object.entries(await this.redis.hgetall(k.dead));
    }
    const args: (string | number)[] = [Date.now()];
    const keys = [k.seq, k.pending, k.queue, k.count, k.epoch, k.models, k.dead, k.inflight, k.deadTuples, k.base, k.byUser];
    for (const [id, json] of entries) {
      if (json === null) continue;
      const { user, object } = parseTupleKey((JSON.parse(json) as { tuple: string }).tuple);
      args.push(id);
      keys.push(k.base + objectGen(object), k.base + userGen(user));
    }
    if (args.length === 1) return { requeued: 0, superseded: 0, supersededIds: [] };
    const [requeued, supersededIds] = await this.scripts.run<[number, string[]]>('retry-dead', keys, args);
    supersededIds.sort((a, b) => Number(a) - Number(b));
    return { requeued, superseded: supersededIds.length, supersededIds };
  }

  /**
   * Deletes dead letters (all, or the given ids); returns how many. Ids go in atomic steps of
   * `PURGE_STEP`, so a long list never blocks Redis for long (an id gone already counts nothing).
   */
  async purgeDeadLetters(ids: readonly string[] = []): Promise<number> {
    const keys = [this.keys.dead, this.keys.deadTuples];
    if (ids.length === 0) return this.scripts.run<number>('purge-dead', keys, []);
    const unique = [...new Set(ids)];
    let purged = 0;
    for (let from = 0; from < unique.length; from += PURGE_STEP) {
      purged += await this.scripts.run<number>('purge-dead', keys, unique.slice(from, from + PURGE_STEP));
    }
    return purged;
  }

  /** Decodes flat (tuple key, record) pairs, resolving model indexes this process has not seen yet in one round trip. */
  private async decode(flat: string[]): Promise<BufferedOperation[]> {
    const unknown = new Set<string>();
    for (let i = 1; i < flat.length; i += 2) {
      const field = modelField(flat[i]);
      if (isModelIndex(field) && !this.models.has(field)) unknown.add(field);
    }
    if (unknown.size > 0) {
      const indexes = [...unknown];
      const ids = await this.redis.hmget(this.keys.models, ...indexes.map((m) => `#${m}`));
      indexes.forEach((m, i) => {
        const id = ids[i];
        // Only a deleted `models` hash gets here; writing the op with another model would be wrong.
        if (id === null)
          throw new Error(
            `Model index ${m} is missing from ${this.keys.models}: cannot tell which model the buffered operation belongs to`,
          );
        this.models.set(m, id);
      });
    }
    const modelOf = (field: string) => (isModelIndex(field) ? this.models.get(field)! : field);
    const out: BufferedOperation[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push(decodeRecord(flat[i], flat[i + 1], modelOf));
    return out;
  }
}

/** Decodes a record whose model field was resolved to the model id ('' = latest). */
function decodeRecord(key: string, record: string, modelOf: (field: string) => string): BufferedOperation {
  const [op, seq, ts, attempts] = record.split('|', 4);
  const modelId = modelOf(modelField(record));
  const condition = conditionField(record);
  return {
    key,
    kind: OP_KIND[op],
    ...parseTupleKey(key),
    seq: Number(seq),
    enqueuedAt: Number(ts),
    attempts: Number(attempts),
    ...(modelId ? { modelId } : {}),
    ...(condition ? { condition: JSON.parse(condition) as TupleCondition } : {}),
  };
}

/** A record's model field: '' (latest), an index into `models`, or (records from before `models`) the 26-character id. */
function isModelIndex(field: string): boolean {
  return field !== '' && field.length < 26;
}

function decodeDeadLetter(id: string, json: string): DeadLetter {
  const e = JSON.parse(json) as {
    tuple: string;
    op: string;
    seq: number;
    enqueuedAt: number;
    attempts: number;
    model: string;
    /** A grant's condition, as the JSON its record held. */
    condition?: string;
    reason: string;
    deadAt: number;
  };
  // Dead letters carry the model id itself.
  const record = `${e.op}|${e.seq}|${e.enqueuedAt}|${e.attempts}|${e.model}${e.condition ? `|${e.condition}` : ''}`;
  const { attempts, ...operation } = decodeRecord(e.tuple, record, (m) => m);
  return { id, operation, attempts, reason: e.reason, deadAt: e.deadAt };
}
