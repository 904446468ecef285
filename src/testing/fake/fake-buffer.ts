import type { BufferedOperation } from '../../buffer/buffered-operation';
import { tupleKey } from '../../redis/redis-keys';
import type { TupleOperation } from '../../tuple/tuple';

/**
 * The fake's write buffer: what the Redis buffer does, in memory. Positions
 * are numbered as the real buffer numbers them (one per distinct tuple of a
 * call; a `clear` that discarded something and a flush that dead-lettered
 * something take one too), so tokens and `seq` values match.
 */
export class FakeBuffer {
  private seq = 0;
  /** The latest pending operation per tuple key. */
  private readonly pending = new Map<string, BufferedOperation>();

  /** The latest position handed out. */
  get latest(): number {
    return this.seq;
  }

  /** Takes a position that no operation holds (the real buffer bumps its counter to invalidate caches). */
  skipPosition(): void {
    this.seq++;
  }

  /**
   * Appends operations; ops of one call on the same tuple coalesce first, the
   * tuple keeping the place of its first op (as `WriteBuffer.enqueue` sends
   * them). Each distinct tuple takes the next position; returns the last.
   */
  enqueue(ops: readonly TupleOperation[]): number {
    const latest = new Map<string, TupleOperation>();
    for (const op of ops) latest.set(tupleKey(op), op);
    const now = Date.now();
    for (const [key, op] of latest)
      this.append({
        kind: op.kind,
        user: op.user,
        relation: op.relation,
        object: op.object,
        ...(op.condition ? { condition: op.condition } : {}),
        key,
        seq: 0,
        enqueuedAt: now,
        attempts: 0,
      });
    return this.seq;
  }

  /** Appends one operation at a new position, replacing the pending one on its tuple (last operation wins). */
  append(op: BufferedOperation): void {
    this.pending.set(op.key, { ...op, seq: ++this.seq });
  }

  get(key: string): BufferedOperation | undefined {
    return this.pending.get(key);
  }

  /** Pending operations, oldest first. */
  list(): BufferedOperation[] {
    return [...this.pending.values()].sort((a, b) => a.seq - b.seq);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Removes and returns the pending operations of these tuple keys, oldest first (a priority claim). */
  take(keys: ReadonlySet<string>): BufferedOperation[] {
    const taken = this.list().filter((op) => keys.has(op.key));
    for (const op of taken) this.pending.delete(op.key);
    return taken;
  }

  /** Removes and returns everything pending, oldest first (what a flush claims). */
  takeAll(): BufferedOperation[] {
    const all = this.list();
    this.pending.clear();
    return all;
  }

  /** Discards what is pending (at positions up to `upTo`, when given; never past the latest); returns how many. */
  clear(upTo?: number): number {
    if (upTo !== undefined && !(Number.isSafeInteger(upTo) && upTo >= 0)) {
      throw new TypeError(`clear({ upTo }) must be a buffer position, an integer >= 0 (received ${String(upTo)})`);
    }
    let discarded = 0;
    for (const [key, op] of this.pending) {
      if (upTo === undefined || op.seq <= upTo) {
        this.pending.delete(key);
        discarded++;
      }
    }
    if (discarded > 0) this.skipPosition();
    return discarded;
  }

  reset(): void {
    this.seq = 0;
    this.pending.clear();
  }
}
