import { CheckUnavailableError } from '../../check/check-unavailable.error';
import type { CheckOptions } from '../../check/check-options';
import type { ConsistencyTokens } from '../../consistency/consistency-token';
import type { OpenFgaEvents } from '../../events/openfga-events';
import { tupleKey } from '../../redis/redis-keys';
import type { ConditionalTuple, Tuple } from '../../tuple/tuple';
import { requestExtras, RequestExtras } from '../../check/request-context';
import type { FakeBuffer } from './fake-buffer';
import { fakeFreshnessTarget } from './fake-freshness';
import type { FakeCache } from './fake-cache';
import type { FakeFlusher } from './fake-flusher';
import type { FakeModel } from './fake-model';
import type { FakeTuples } from './fake-tuples';
import type { BufferedOperation } from '../../buffer/buffered-operation';
import { mayChange, pairOf, type RelationGraph, typeOf } from '../../model/relation-graph';

/** How the fake decides a check without a model: seeds first, then the `allow` option. */
export interface FakeDecisions {
  seeded(t: Tuple): boolean | undefined;
  fallback(t: Tuple): boolean;
  /** Why a flush would reject this pending grant (so OpenFGA would reject it as a contextual tuple too). */
  rejects(t: Tuple): string | undefined;
}

/**
 * The fake's read path, step for step the real `CheckResolver` with the
 * writes done at once: cache (minimize-latency only), else write what a
 * fresh level needs, ask "OpenFGA" (the model, or the fake's own rules) with
 * the pending grants, and when a pending revoke could turn the answer, write
 * it and ask again. With a model, only the operations the checked relation
 * depends on (by its relation graph) are considered and written; without one,
 * every pending operation. Answers are cached as the real cache keeps them.
 */
export class FakeReadPath {
  constructor(
    private readonly buffer: FakeBuffer,
    private readonly tuples: FakeTuples,
    private readonly flusher: FakeFlusher,
    private readonly cache: FakeCache,
    private readonly events: OpenFgaEvents,
    private readonly tokens: ConsistencyTokens,
    private readonly decisions: FakeDecisions,
    private readonly model: FakeModel | undefined,
    private readonly graph: RelationGraph | undefined,
  ) {}

  async check(t: Tuple, options: CheckOptions): Promise<boolean> {
    const consistency = options.consistency ?? 'minimize-latency';
    try {
      const extras = requestExtras(options.context, options.contextualTuples);
      const { allowed, source } = await this.resolve(t, this.freshnessTarget(options), extras);
      this.events.emit('checked', { source, allowed, durationMs: 0, consistency });
      return allowed;
    } catch (err) {
      this.events.emit('checked', { source: 'error', allowed: false, durationMs: 0, consistency });
      throw err;
    }
  }

  freshnessTarget(options: CheckOptions): number | undefined {
    return fakeFreshnessTarget(options, this.tokens, this.buffer);
  }

  private async resolve(
    t: Tuple,
    freshAt: number | undefined,
    extras: RequestExtras,
  ): Promise<{ allowed: boolean; source: 'cache' | 'openfga' }> {
    // With a model, only the operations the checked relation depends on matter (as the real read scope).
    const deps = this.graph?.dependencies(typeOf(t.object), t.relation);
    const relevant = () => this.buffer.list().filter((op) => !deps || mayChange(deps, t, op));
    const write = (ops: readonly BufferedOperation[]) =>
      deps ? this.flusher.flushOnly(new Set(ops.map((op) => op.key))) : this.flusher.flush();
    // A request's own context or tuples: its answer is neither served from nor kept in the cache.
    // Nor, as the real read path, one a condition may decide: a relation reading conditional tuples, a pending conditional grant.
    const uncached = extras.key !== '' || deps?.conditional === true || relevant().some((op) => op.kind === 'grant' && op.condition);
    if (freshAt === undefined) {
      const cached = uncached ? undefined : this.cache.lookup(t);
      if (cached !== undefined) return { allowed: cached, source: 'cache' };
    } else {
      // A position beyond the latest one handed out counts as the latest.
      const target = Math.min(freshAt, this.buffer.latest);
      const owed = relevant().filter((op) => op.seq <= target);
      if (owed.length > 0) await write(owed);
    }
    let allowed = await this.ask(t, relevant, extras);
    // A pending revoke that could turn the answer is written first, then OpenFGA is asked again.
    const turning = relevant().filter(
      (op) => op.kind === 'revoke' && (deps ? (allowed ? deps.positive : deps.negative).has(pairOf(op)) : allowed),
    );
    if (turning.length > 0) {
      await write(turning);
      allowed = await this.ask(t, relevant, extras);
    }
    if (!uncached) this.cache.store(t, allowed);
    return { allowed, source: 'openfga' };
  }

  /** OpenFGA rejects the whole check when a contextual tuple (a pending grant) is invalid: flush (dead-lettering it), then ask once more. */
  private async ask(t: Tuple, relevant: () => BufferedOperation[], extras: RequestExtras): Promise<boolean> {
    const callerTuples = extras.tuples;
    const grants = () => relevant().filter((op) => op.kind === 'grant');
    const refused = () => this.model?.rejectCheck(t);
    if (grants().some((g) => this.decisions.rejects(g) !== undefined) || (refused() !== undefined && grants().length > 0)) {
      if (this.graph) await this.flusher.flushOnly(new Set(grants().map((op) => op.key)));
      else await this.flusher.flush();
    }
    const reason = refused() ?? this.refusedCallerTuple(callerTuples);
    if (reason !== undefined) throw new CheckUnavailableError(t, reason);
    return this.model ? this.modelAnswer(t, callerTuples, extras.context) : this.ruleAnswer(t, callerTuples);
  }

  /**
   * OpenFGA refuses a check whose contextual tuple the model would not accept
   * (a condition it does not define included). Without a model the fake
   * evaluates no conditions, so it refuses a conditional one.
   */
  private refusedCallerTuple(callerTuples: readonly ConditionalTuple[]): string | undefined {
    for (const c of callerTuples) {
      if (c.condition && !this.model)
        return `Invalid tuple '${c.object}#${c.relation}@${c.user}'. Reason: condition '${c.condition.name}' is undefined (the fake evaluates conditions only with a model)`;
      const why = this.model?.rejectWrite(c);
      if (why !== undefined) return why;
    }
    return undefined;
  }

  /** Seeds decide their exact tuple unless an operation on it is pending; else the model, over the written tuples and the pending grants. */
  private modelAnswer(t: Tuple, callerTuples: readonly ConditionalTuple[], context?: Record<string, unknown>): boolean {
    const seeded = this.buffer.get(tupleKey(t)) ? undefined : this.decisions.seeded(t);
    if (seeded !== undefined) return seeded;
    const pendingGrants = this.buffer.list().filter((op) => op.kind === 'grant');
    const written = this.tuples.all();
    return this.model!.check(
      t,
      (object, relation) => [...written, ...pendingGrants, ...callerTuples].filter((x) => x.object === object && x.relation === relation),
      context,
    );
  }

  /** Without a model: a pending operation on the exact tuple, then seeds, then written tuples, then the `allow` option. */
  private ruleAnswer(t: Tuple, callerTuples: readonly Tuple[]): boolean {
    if (callerTuples.some((c) => tupleKey(c) === tupleKey(t))) return true;
    const op = this.buffer.get(tupleKey(t));
    if (op) return op.kind === 'grant';
    const seeded = this.decisions.seeded(t);
    if (seeded !== undefined) return seeded;
    if (this.tuples.has(t)) return true;
    return this.decisions.fallback({ ...t }) === true;
  }
}
