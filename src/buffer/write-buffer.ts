import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { batchKey, parseTupleKey, StoreKeys, tupleKey } from '../redis/redis-keys';
import type { TupleOperation } from '../tuple/tuple';
import { OpenFgaEvents } from '../observability/openfga-events';
import { BufferScripts } from './buffer-scripts';
import { BufferedOperation, ClaimedBatch, DeadLetter, OP_CODE, OP_KIND } from './buffered-operation';

export interface BufferCounts {
  pending: { writes: number; deletes: number; total: number };
  inFlight: number;
  deadLettered: number;
  /** Age of the oldest claimable operation, or null when nothing is pending. */
  oldestAgeMs: number | null;
  /** Result of the last flush any process recorded, or null. */
  lastFlush: unknown;
}

export interface Settlement {
  acked: string[];
  dead: { key: string; reason: string }[];
  /** When the rest of the batch returns to the buffer (ms since the epoch); 0 = now. */
  retryAt: number;
}

/**
 * The durable buffer of one store in Redis. Every mutation is one Lua script,
 * so concurrent processes never see a half-applied step.
 */
export class WriteBuffer {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly scripts: BufferScripts,
    readonly keys: StoreKeys,
    /** Lifetime of invalidation markers: longer than any cached answer may live. */
    private readonly markerTtlMs: number,
    readonly events = new OpenFgaEvents(),
  ) {}

  /** Appends operations (and invalidates what they may change); returns the last buffer position and the claimable count. */
  async enqueue(ops: readonly TupleOperation[], modelId = ''): Promise<{ seq: number; queued: number }> {
    const started = this.events.has('enqueued') ? performance.now() : 0;
    const k = this.keys;
    const args: (string | number)[] = [k.base, Date.now(), modelId, this.markerTtlMs];
    for (const op of ops) args.push(OP_CODE[op.kind], tupleKey(op));
    const [seq, queued] = await this.scripts.run<[number, number]>(
      'enqueue',
      [k.seq, k.pending, k.queue, k.inflight, k.count, k.epoch],
      args,
    );
    if (started) this.events.emit('enqueued', { operations: ops, seq, durationMs: performance.now() - started });
    return { seq, queued };
  }

  /** Write-through mode: invalidates what the ops may change without buffering them. */
  async invalidate(ops: readonly TupleOperation[]): Promise<number> {
    const args: (string | number)[] = [this.keys.base, this.markerTtlMs];
    for (const op of ops) args.push(OP_CODE[op.kind], tupleKey(op));
    return this.scripts.run<number>('invalidate', [this.keys.seq, this.keys.epoch], args);
  }

  /** Claims up to `limit` operations under a lease of `leaseMs`; also returns expired leases to the buffer first. */
  async claim(limit: number, leaseMs: number): Promise<ClaimedBatch | undefined> {
    const k = this.keys;
    const id = randomUUID();
    const flat = await this.scripts.run<string[]>(
      'claim',
      [k.pending, k.queue, k.inflight, k.leases, k.count],
      [k.base, Date.now(), limit, leaseMs, id],
    );
    if (flat.length === 0) return undefined;
    const operations: BufferedOperation[] = [];
    for (let i = 0; i < flat.length; i += 2) operations.push(decodeRecord(flat[i], flat[i + 1]));
    return { id, operations };
  }

  /** Settles a claimed batch; returns how many ops stay leased, or -1 when the lease was lost to another process. */
  async settle(batchId: string, s: Settlement): Promise<number> {
    const k = this.keys;
    const args: (string | number)[] = [k.base, Date.now(), batchId, s.retryAt, s.acked.length, ...s.acked];
    for (const d of s.dead) args.push(d.key, d.reason);
    const left = await this.scripts.run<number>('settle', [k.pending, k.queue, k.inflight, k.leases, k.count, k.dead], args);
    if (left >= 0) {
      this.events.emit('settled', { batchId, acked: s.acked, dead: s.dead });
      if (s.dead.length)
        this.events.emit('deadLettered', { operations: s.dead.map((d) => ({ operation: { key: d.key }, reason: d.reason })) });
    }
    return left;
  }

  /**
   * The operations of a claimed batch still leased, by id (queue mode: a job
   * carries only the id; the operations stay in Redis). Undefined when the
   * batch is gone: settled, or its lease expired and claim returned it to the buffer.
   */
  async loadBatch(batchId: string): Promise<ClaimedBatch | undefined> {
    const raw = await this.redis.hgetall(batchKey(this.keys, batchId));
    const operations = Object.entries(raw).map(([key, record]) => decodeRecord(key, record));
    return operations.length ? { id: batchId, operations: operations.sort((a, b) => a.seq - b.seq) } : undefined;
  }

  /** Extends a lease still held; false when it is gone. */
  async extendLease(batchId: string, leaseMs: number): Promise<boolean> {
    return (
      (await this.redis.zadd(this.keys.leases, 'XX', 'CH', Date.now() + leaseMs, batchId)) === 1 ||
      (await this.redis.zscore(this.keys.leases, batchId)) !== null
    );
  }

  /** The lowest buffer position not yet settled (null: nothing outstanding) and the latest position handed out. */
  async positions(): Promise<{ oldestOutstanding: number | null; latest: number }> {
    const k = this.keys;
    const [oldest, latest] = await this.scripts.run<[number, number]>('oldest-seq', [k.queue, k.leases, k.seq], [k.base]);
    return { oldestOutstanding: oldest >= 0 ? oldest : null, latest };
  }

  /** Whether the age trigger should flush now. */
  async isFlushDue(intervalMs: number): Promise<boolean> {
    const k = this.keys;
    return (await this.scripts.run<number>('due', [k.pending, k.queue, k.leases], [Date.now(), intervalMs])) === 1;
  }

  async counts(): Promise<BufferCounts> {
    const k = this.keys;
    const [w, d, inFlight, dead, oldest, lastFlush] = await this.scripts.run<[number, number, number, number, number, string | null]>(
      'status',
      [k.pending, k.queue, k.count, k.dead, k.meta],
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
      for (let i = 0; i < flat.length; i += 2) out.push(decodeRecord(flat[i], flat[i + 1]));
      cursor = next;
    } while (cursor !== '0' && out.length < limit);
    return out.sort((a, b) => a.seq - b.seq).slice(0, limit);
  }

  /** Discards pending operations (never in-flight ones); returns how many. */
  async clear(): Promise<number> {
    const k = this.keys;
    const count = await this.scripts.run<number>('clear', [k.pending, k.queue, k.count, k.inflight], [k.base]);
    this.events.emit('cleared', { count });
    return count;
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const raw = await this.redis.hgetall(this.keys.dead);
    return Object.entries(raw)
      .map(([id, json]) => decodeDeadLetter(id, json))
      .sort((a, b) => a.operation.seq - b.operation.seq);
  }

  /** Returns dead letters (all, or the given ids) to the buffer; a newer op on the same tuple supersedes them. */
  async retryDeadLetters(ids: readonly string[] = []): Promise<{ requeued: number; superseded: number }> {
    const k = this.keys;
    const [requeued, superseded] = await this.scripts.run<[number, number]>(
      'retry-dead',
      [k.seq, k.pending, k.queue, k.inflight, k.count, k.epoch, k.dead],
      [k.base, Date.now(), this.markerTtlMs, ...ids],
    );
    return { requeued, superseded };
  }

  /** Deletes dead letters (all, or the given ids); returns how many. */
  async purgeDeadLetters(ids: readonly string[] = []): Promise<number> {
    if (ids.length > 0) return this.redis.hdel(this.keys.dead, ...ids);
    const n = await this.redis.hlen(this.keys.dead);
    await this.redis.del(this.keys.dead);
    return n;
  }
}

function decodeRecord(key: string, record: string): BufferedOperation {
  const [op, seq, ts, attempts, ...model] = record.split('|');
  const modelId = model.join('|');
  return {
    key,
    kind: OP_KIND[op],
    ...parseTupleKey(key),
    seq: Number(seq),
    enqueuedAt: Number(ts),
    attempts: Number(attempts),
    ...(modelId ? { modelId } : {}),
  };
}

function decodeDeadLetter(id: string, json: string): DeadLetter {
  const e = JSON.parse(json) as {
    tuple: string;
    op: string;
    seq: number;
    enqueuedAt: number;
    attempts: number;
    model: string;
    reason: string;
    deadAt: number;
  };
  const { attempts, ...operation } = decodeRecord(e.tuple, `${e.op}|${e.seq}|${e.enqueuedAt}|${e.attempts}|${e.model}`);
  return { id, operation, attempts, reason: e.reason, deadAt: e.deadAt };
}
