import { CheckUnavailableError } from '../../check/check-unavailable.error';
import type { CheckOptions } from '../../check/check-options';
import { ConsistencyTokens, InvalidConsistencyTokenError } from '../../consistency/consistency-token';
import type { OpenFgaEvents } from '../../events/openfga-events';
import { tupleKey } from '../../redis/redis-keys';
import type { Tuple } from '../../tuple/tuple';
import type { FakeBuffer } from './fake-buffer';
import type { FakeCache } from './fake-cache';
import type { FakeFlusher } from './fake-flusher';
import type { FakeModel } from './fake-model';
import type { FakeTuples } from './fake-tuples';

/** How the fake decides a check without a model: seeds first, then the `allow` option. */
export interface FakeDecisions {
  seeded(t: Tuple): boolean | undefined;
  fallback(t: Tuple): boolean;
  /** Why a flush would reject this pending grant (so OpenFGA would reject it as a contextual tuple too). */
  rejects(t: Tuple): string | undefined;
}

/**
 * The fake's read path, step for step the real `CheckResolver` with the
 * flushes done at once: cache (minimize-latency only), else flush what a
 * fresh level needs, ask "OpenFGA" (the model, or the fake's own rules) with
 * the pending grants, and when it says "allowed" while a revoke is pending,
 * flush and ask again. Answers are cached as the real cache keeps them.
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
  ) {}

  async check(t: Tuple, options: CheckOptions): Promise<boolean> {
    const consistency = options.consistency ?? 'minimize-latency';
    try {
      const { allowed, source } = await this.resolve(t, this.freshnessTarget(options));
      this.events.emit('checked', { source, allowed, durationMs: 0, consistency });
      return allowed;
    } catch (err) {
      this.events.emit('checked', { source: 'error', allowed: false, durationMs: 0, consistency });
      throw err;
    }
  }

  private freshnessTarget({ consistency = 'minimize-latency', token }: CheckOptions): number | undefined {
    switch (consistency) {
      case 'minimize-latency':
        return undefined;
      case 'at-least-as-fresh':
        return this.tokens.decode(token);
      case 'strong':
        return this.buffer.latest;
      default:
        throw new InvalidConsistencyTokenError(consistency, 'consistency must be "minimize-latency", "at-least-as-fresh" or "strong"');
    }
  }

  private async resolve(t: Tuple, freshAt: number | undefined): Promise<{ allowed: boolean; source: 'cache' | 'openfga' }> {
    if (freshAt === undefined) {
      const cached = this.cache.lookup(t);
      if (cached !== undefined) return { allowed: cached, source: 'cache' };
    } else {
      // A position beyond the latest one handed out counts as the latest.
      const target = Math.min(freshAt, this.buffer.latest);
      if (this.buffer.list().some((op) => op.seq <= target)) await this.flusher.flush();
    }
    let allowed = await this.ask(t);
    // A pending revoke may make "allowed" stale: write what is buffered, then ask again.
    if (allowed && this.buffer.list().some((op) => op.kind === 'revoke')) {
      await this.flusher.flush();
      allowed = await this.ask(t);
    }
    this.cache.store(t, allowed);
    return { allowed, source: 'openfga' };
  }

  /** OpenFGA rejects the whole check when a contextual tuple (a pending grant) is invalid: flush (dead-lettering it), then ask once more. */
  private async ask(t: Tuple): Promise<boolean> {
    const grants = () => this.buffer.list().filter((op) => op.kind === 'grant');
    const refused = () => this.model?.rejectCheck(t);
    if (grants().some((g) => this.decisions.rejects(g) !== undefined) || (refused() !== undefined && grants().length > 0)) {
      await this.flusher.flush();
    }
    const reason = refused();
    if (reason !== undefined) throw new CheckUnavailableError(t, reason);
    return this.model ? this.modelAnswer(t) : this.ruleAnswer(t);
  }

  /** Seeds decide their exact tuple unless an operation on it is pending; else the model, over the written tuples and the pending grants. */
  private modelAnswer(t: Tuple): boolean {
    const seeded = this.buffer.get(tupleKey(t)) ? undefined : this.decisions.seeded(t);
    if (seeded !== undefined) return seeded;
    const pendingGrants = this.buffer.list().filter((op) => op.kind === 'grant');
    const written = this.tuples.all();
    return this.model!.check(t, (object, relation) =>
      [...written, ...pendingGrants].filter((x) => x.object === object && x.relation === relation),
    );
  }

  /** Without a model: a pending operation on the exact tuple, then seeds, then written tuples, then the `allow` option. */
  private ruleAnswer(t: Tuple): boolean {
    const op = this.buffer.get(tupleKey(t));
    if (op) return op.kind === 'grant';
    const seeded = this.decisions.seeded(t);
    if (seeded !== undefined) return seeded;
    if (this.tuples.has(t)) return true;
    return this.decisions.fallback({ ...t }) === true;
  }
}
