import type { BufferedOperation, DeadLetter, DeadLetterRetry } from '../../buffer/buffered-operation';
import type { FlushOptions, FlushResult } from '../../flush/flush-result';
import type { OpenFgaEvents } from '../../events/openfga-events';
import type { Tuple } from '../../tuple/tuple';
import type { FakeBuffer } from './fake-buffer';
import type { FakeCache } from './fake-cache';
import type { FakeTuples } from './fake-tuples';

/** What the facade decides for the flusher. */
export interface FlushPolicy {
  /** Why OpenFGA would reject writing this operation, or undefined when it accepts it. */
  reject(op: BufferedOperation): string | undefined;
  /** An operation was written or dead-lettered. */
  settled(op: BufferedOperation): void;
}

/**
 * The fake's flusher and dead-letter set: a flush writes every pending
 * operation (a check's priority claim: those of some tuples) to the fake's tuples as one batch, or dead-letters it with the
 * reason the policy gives; retries follow the real buffer's rule (newest
 * first, last operation wins).
 */
export class FakeFlusher {
  private readonly dead = new Map<string, DeadLetter>();
  /** Per tuple, the position of the newest op a flush settled (written or dead-lettered): a retried dead letter older than it is superseded. */
  private readonly settledSeq = new Map<string, number>();
  private batches = 0;
  private last: (FlushResult & { at: string }) | null = null;

  constructor(
    private readonly buffer: FakeBuffer,
    private readonly tuples: FakeTuples,
    private readonly cache: FakeCache,
    private readonly events: OpenFgaEvents,
    private readonly policy: FlushPolicy,
  ) {}

  get lastFlush(): (FlushResult & { at: string }) | null {
    return this.last === null ? null : { ...this.last };
  }

  async flush(options: FlushOptions = {}): Promise<FlushResult> {
    return this.write(this.buffer.takeAll(), options);
  }

  /** Writes only the pending operations of these tuples, as a check's priority claim does. */
  async flushOnly(keys: ReadonlySet<string>): Promise<FlushResult> {
    return this.write(this.buffer.take(keys), {});
  }

  private async write(ops: BufferedOperation[], options: FlushOptions): Promise<FlushResult> {
    const started = Date.now();
    const result: FlushResult = { writes: 0, deletes: 0, failed: 0, deadLettered: 0, durationMs: 0 };
    if (ops.length === 0) return result;
    const acked: string[] = [];
    const dead: { key: string; reason: string }[] = [];
    for (const op of ops) {
      this.settledSeq.set(op.key, op.seq);
      this.policy.settled(op);
      const reason = this.policy.reject(op);
      if (reason !== undefined) {
        const { attempts, ...operation } = op;
        this.dead.set(String(op.seq), { id: String(op.seq), operation, attempts: attempts + 1, reason, deadAt: Date.now() });
        dead.push({ key: op.key, reason });
        result.deadLettered++;
        continue;
      }
      acked.push(op.key);
      this.tuples.apply(op);
      if (op.kind === 'grant') result.writes++;
      else result.deletes++;
    }
    if (dead.length > 0) {
      // A dead-lettered grant may have counted in a cached "allowed" (as a contextual tuple).
      this.buffer.skipPosition();
      this.cache.dropAllowed();
    }
    this.events.emit('settled', { batchId: `fake-batch-${++this.batches}`, acked, dead });
    if (dead.length > 0) this.events.emit('deadLettered', { operations: dead.map(({ key, reason }) => ({ operation: { key }, reason })) });
    result.durationMs = Date.now() - started;
    options.onProgress?.({ ...result });
    this.last = { ...result, at: new Date().toISOString() };
    this.events.emit('flushed', { ...result, mode: 'inline' });
    return result;
  }

  /** Dead letters, oldest operation first. */
  deadLetters(): DeadLetter[] {
    return [...this.dead.values()].sort((a, b) => a.operation.seq - b.operation.seq).map((d) => ({ ...d, operation: { ...d.operation } }));
  }

  get deadCount(): number {
    return this.dead.size;
  }

  /** Newest first, each unless a newer op on its tuple (pending, or settled since) supersedes it. */
  retry(ids?: readonly string[]): DeadLetterRetry {
    let requeued = 0;
    const superseded: DeadLetter[] = [];
    const requeuedTuples: Tuple[] = [];
    for (const letter of this.select(ids).sort((a, b) => b.operation.seq - a.operation.seq)) {
      const { key, seq } = letter.operation;
      this.dead.delete(letter.id);
      if (this.buffer.get(key) || (this.settledSeq.get(key) ?? 0) > seq) {
        superseded.push(letter);
      } else {
        this.buffer.append({ ...letter.operation, enqueuedAt: Date.now(), attempts: 0 });
        requeuedTuples.push(letter.operation);
        requeued++;
      }
    }
    if (requeued > 0) this.cache.written(requeuedTuples);
    superseded.sort((a, b) => a.operation.seq - b.operation.seq);
    return { requeued, superseded: superseded.length, supersededIds: superseded.map((l) => l.id) };
  }

  purge(ids?: readonly string[]): number {
    const selected = this.select(ids);
    for (const letter of selected) this.dead.delete(letter.id);
    return selected.length;
  }

  reset(): void {
    this.dead.clear();
    this.settledSeq.clear();
    this.batches = 0;
    this.last = null;
  }

  private select(ids?: readonly string[]): DeadLetter[] {
    if (ids === undefined || ids.length === 0) return [...this.dead.values()];
    return [...new Set(ids)].flatMap((id) => this.dead.get(id) ?? []);
  }
}
