import { mayChange, type RelationGraph, typeOf } from '../../model/relation-graph';
import { tupleKey } from '../../redis/redis-keys';
import type { Tuple } from '../../tuple/tuple';

interface CachedAnswer extends Tuple {
  allowed: boolean;
}

/**
 * The read cache, as the real one invalidates it: a write drops the answers
 * on its object and of its user, and those the model's relation graph says
 * it may change elsewhere (without a model: every answer, as the real store-
 * wide path does); a clear, a requeue or a dead letter drops every "allowed".
 * The real cache may drop more (generation buckets collide), never less.
 */
export class FakeCache {
  private readonly answers = new Map<string, CachedAnswer>();

  constructor(private readonly graph?: RelationGraph) {}

  lookup(t: Tuple): boolean | undefined {
    return this.answers.get(tupleKey(t))?.allowed;
  }

  store(t: Tuple, allowed: boolean): void {
    this.answers.set(tupleKey(t), { user: t.user, relation: t.relation, object: t.object, allowed });
  }

  /** A write of these tuples reached the buffer. */
  written(tuples: readonly Tuple[]): void {
    const objects = new Set(tuples.map((t) => t.object));
    const users = new Set(tuples.map((t) => t.user));
    for (const [key, a] of this.answers) {
      const deps = this.graph?.dependencies(typeOf(a.object), a.relation);
      if (!deps || objects.has(a.object) || users.has(a.user) || tuples.some((t) => mayChange(deps, a, t))) this.answers.delete(key);
    }
  }

  /** Something may have taken access away anywhere in the store. */
  dropAllowed(): void {
    for (const [key, a] of this.answers) if (a.allowed) this.answers.delete(key);
  }

  reset(): void {
    this.answers.clear();
  }
}
