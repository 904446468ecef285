import { tupleKey } from '../../redis/redis-keys';
import type { ConditionalTuple, Tuple, TupleOperation } from '../../tuple/tuple';

/** The tuples the fake's "OpenFGA" holds: what flushes wrote and did not delete since. */
export class FakeTuples {
  private readonly tuples = new Map<string, ConditionalTuple>();
  /** When each tuple was written (ISO time), for `read`. */
  private readonly times = new Map<string, string>();

  apply(op: TupleOperation): void {
    const key = tupleKey(op);
    // A grant replaces the tuple's condition (the real writer deletes, then writes, on a changed one).
    if (op.kind === 'grant') {
      if (!this.tuples.has(key)) this.times.set(key, new Date().toISOString());
      this.tuples.set(key, {
        user: op.user,
        relation: op.relation,
        object: op.object,
        ...(op.condition ? { condition: op.condition } : {}),
      });
    } else {
      this.tuples.delete(key);
      this.times.delete(key);
    }
  }

  has(t: Tuple): boolean {
    return this.tuples.has(tupleKey(t));
  }

  /** Every tuple, in the order written (a conditional one with its condition). */
  all(): ConditionalTuple[] {
    return [...this.tuples.values()].map((t) => ({ ...t }));
  }

  writtenAt(t: Tuple): string {
    return this.times.get(tupleKey(t)) ?? '';
  }

  clear(): void {
    this.tuples.clear();
    this.times.clear();
  }
}
