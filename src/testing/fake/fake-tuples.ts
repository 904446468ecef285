import { tupleKey } from '../../redis/redis-keys';
import type { Tuple, TupleOperation } from '../../tuple/tuple';

/** The tuples the fake's "OpenFGA" holds: what flushes wrote and did not delete since. */
export class FakeTuples {
  private readonly tuples = new Map<string, Tuple>();
  /** When each tuple was written (ISO time), for `read`. */
  private readonly times = new Map<string, string>();

  apply(op: TupleOperation): void {
    const key = tupleKey(op);
    if (op.kind === 'grant') {
      if (!this.tuples.has(key)) this.times.set(key, new Date().toISOString());
      this.tuples.set(key, { user: op.user, relation: op.relation, object: op.object });
    } else {
      this.tuples.delete(key);
      this.times.delete(key);
    }
  }

  has(t: Tuple): boolean {
    return this.tuples.has(tupleKey(t));
  }

  /** Every tuple, in the order written. */
  all(): Tuple[] {
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
