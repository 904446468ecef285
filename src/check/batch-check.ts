import { CacheSnapshot, conditionalIn, contextual, MAX_CONTEXTUAL_TUPLES } from '../cache/check-cache';
import type { ReadScope } from '../cache/relation-scope';
import { classifyError } from '../client/classify-error';
import type { FgaBatchItem, FgaBatchResult } from '../client/fga-client';
import { InvalidConsistencyTokenError } from '../consistency/consistency-token';
import { pairOf } from '../model/relation-graph';
import type { Tuple } from '../tuple/tuple';
import type { BatchCheckAnswer, ValidatedBatchItem } from './batch-check-items';
import { CheckDeadlines } from './check-deadlines';
import type { CheckOptions } from './check-options';
import { Answer, CheckResolver, CheckResolverParts, grantsIn, owedOps, withCallerTuples } from './check-resolver';
import { CheckUnavailableError } from './check-unavailable.error';
import type { RequestExtras } from './request-context';

/** OpenFGA's default `max_checks_per_batch_check`: a larger batch is sent in chunks of this size. */
export const MAX_CHECKS_PER_BATCH_CHECK = 50;

/** One item on its way through the batch. */
interface Entry {
  t: Tuple;
  extras: RequestExtras;
  scope: ReadScope | undefined;
  settle(answer: Promise<Answer>): void;
}

/** A miss whose snapshot lets OpenFGA be asked at once, in the batch. */
interface Asked {
  entry: Entry;
  snapshot: CacheSnapshot;
  higher: boolean;
}

/**
 * `batchCheck`: many checks for the price of one cache read and one OpenFGA
 * request. ONE MGET reads every cacheable item's answer and generations; the
 * misses' snapshots are taken together (pipelined scripts); those that need
 * nothing written first are asked in ONE BatchCheck (chunks of
 * {@link MAX_CHECKS_PER_BATCH_CHECK}), each with its own relevant pending
 * grants as contextual tuples. Each answer then follows the single check's
 * rules: a pending revoke that could turn it, a snapshot too large or
 * incomplete, a fresh level that owes writes, or an error on that item sends
 * that item alone down `CheckResolver.resolve` (which writes first and asks
 * again); it is cached only when `check` would cache it. Every item is bounded
 * by `checkTimeout`, fails closed on its own, and emits `checked`.
 */
export class BatchCheckResolver {
  private readonly deadlines: CheckDeadlines;

  constructor(
    private readonly core: CheckResolverParts,
    private readonly single: CheckResolver,
  ) {
    this.deadlines = new CheckDeadlines(core.options.checkTimeout * 1000);
  }

  /** Answers validated items in input order; throws only `InvalidConsistencyTokenError` (the whole call is the caller's mistake). */
  async batchCheck(items: readonly ValidatedBatchItem[], options: CheckOptions): Promise<BatchCheckAnswer[]> {
    if (items.length === 0) return [];
    const timeoutMs = this.core.options.checkTimeout * 1000;
    const consistency = options.consistency ?? 'minimize-latency';
    const { events } = this.core;
    const started = events.has('checked') ? performance.now() : 0;
    const deadline = Date.now() + timeoutMs;
    const entries: Entry[] = [];
    const answers = items.map(({ tuple }, i) =>
      this.deadlines.bound(
        new Promise<Answer>((resolve, reject) => {
          entries.push({
            t: tuple,
            extras: items[i].extras,
            scope: this.core.scope.forRead(tuple),
            settle: (answer) => answer.then(resolve, reject),
          });
        }),
        () => new CheckUnavailableError(tuple, `no answer within checkTimeout (${timeoutMs} ms)`),
      ),
    );
    const freshAt = this.deadlines.bound(
      this.single.freshnessTarget(options),
      // A plain error: each item reports it as its own CheckUnavailableError.
      () => new Error(`no answer within checkTimeout (${timeoutMs} ms)`),
    );
    const run = freshAt.then((at) => this.run(entries, deadline, at));
    run.catch((err: unknown) => {
      for (const e of entries) e.settle(Promise.reject(err));
    });
    // A bad token rejects the call, as check throws it.
    const badToken = await freshAt.then(
      () => undefined,
      (err: unknown) => (err instanceof InvalidConsistencyTokenError ? err : undefined),
    );
    if (badToken) {
      void Promise.allSettled(answers); // each failed with it: nothing left to report
      throw badToken;
    }
    const settled = await Promise.allSettled(answers);
    return settled.map((s, i): BatchCheckAnswer => {
      const { item, tuple } = items[i];
      if (s.status === 'fulfilled') {
        if (started)
          events.emit('checked', {
            source: s.value.source,
            allowed: s.value.allowed,
            durationMs: performance.now() - started,
            consistency,
          });
        return { ...item, allowed: s.value.allowed };
      }
      if (started) events.emit('checked', { source: 'error', allowed: false, durationMs: performance.now() - started, consistency });
      const err = s.reason as unknown;
      const error =
        err instanceof CheckUnavailableError
          ? err
          : new CheckUnavailableError(tuple, String(err instanceof Error ? err.message : err), err);
      return { ...item, allowed: false, error };
    });
  }

  private async run(entries: Entry[], deadline: number, freshAt: number | undefined): Promise<void> {
    const { cache, options } = this.core;
    const modelId = options.authorizationModelId;
    const alone = (e: Entry) => e.settle(this.single.resolve(e.t, deadline, freshAt, e.extras));
    // 1. One MGET for every item whose answer may come from the cache.
    const cacheable = freshAt === undefined ? entries.filter((e) => e.extras.key === '') : [];
    const cached = await cache.cachedAnswers(cacheable, modelId);
    const hits = new Set<Entry>();
    cacheable.forEach((e, i) => {
      const allowed = cached[i];
      if (allowed === undefined) return;
      hits.add(e);
      e.settle(Promise.resolve({ allowed, source: 'cache' }));
    });
    // 2. The misses' snapshots, in one script call; each decides whether its item can be asked in the batch.
    const misses = entries.filter((e) => !hits.has(e));
    const room = (e: Entry) => MAX_CONTEXTUAL_TUPLES - e.extras.tuples.length;
    const snapshots = await cache.snapshots(misses.map((e) => ({ t: e.t, scope: e.scope, maxGrants: room(e) })));
    const asked: Asked[] = [];
    misses.forEach((e, i) => {
      const snapshot = snapshots[i];
      const ready = e.scope
        ? owedOps(snapshot, freshAt, room(e)).length === 0 && snapshot.complete
        : freshAt === undefined && snapshot.complete;
      if (!ready) return alone(e);
      const recentRevoke = snapshot.revokedAt > 0 && Date.now() - snapshot.revokedAt < options.revokeConsistencyWindow * 1000;
      asked.push({ entry: e, snapshot, higher: freshAt !== undefined || recentRevoke });
    });
    // 3. One BatchCheck (per consistency preference, in chunks of OpenFGA's cap).
    const chunks: Asked[][] = [];
    for (const higher of [false, true]) {
      const group = asked.filter((a) => a.higher === higher);
      for (let i = 0; i < group.length; i += MAX_CHECKS_PER_BATCH_CHECK) chunks.push(group.slice(i, i + MAX_CHECKS_PER_BATCH_CHECK));
    }
    await Promise.all(chunks.map((chunk) => this.askChunk(chunk, alone)));
  }

  private async askChunk(chunk: Asked[], alone: (e: Entry) => void): Promise<void> {
    const { client, options } = this.core;
    const request: FgaBatchItem[] = chunk.map(({ entry, snapshot }) => ({
      tuple: entry.t,
      contextualTuples: withCallerTuples(grantsIn(snapshot).map(contextual), entry.extras),
      ...(entry.extras.context ? { context: entry.extras.context } : {}),
    }));
    let results: FgaBatchResult[];
    try {
      results = await client.batchCheck(request, { modelId: options.authorizationModelId, higherConsistency: chunk[0].higher });
    } catch (err) {
      // A request OpenFGA refused whole: each item alone (the single path writes a bad pending grant first); else no answer.
      if (classifyError(err).kind === 'permanent') chunk.forEach((a) => alone(a.entry));
      else chunk.forEach((a) => a.entry.settle(Promise.reject(err)));
      return;
    }
    const answered = chunk.flatMap((a, i) => this.settleAsked(a, results[i], alone));
    // Cached in one script, sent before the answers are handed out, on the connection the next cache read takes
    // (so that read sees them); not awaited: a failure only leaves them uncached.
    const cacheable = answered.filter((a) => a.cache);
    if (cacheable.length > 0) {
      const items = cacheable.map(({ asked: { entry, snapshot }, allowed }) => ({ t: entry.t, scope: entry.scope, snapshot, allowed }));
      this.core.cache.populateMany(items, options.authorizationModelId).catch(() => undefined);
    }
    for (const { asked, allowed } of answered) asked.entry.settle(Promise.resolve({ allowed, source: 'openfga' }));
  }

  /**
   * The single check's rules on one batch answer: the item goes down the
   * single path (none returned), or its answer is trusted, and cached when
   * `check` would cache it.
   */
  private settleAsked(
    asked: Asked,
    result: FgaBatchResult,
    alone: (e: Entry) => void,
  ): { asked: Asked; allowed: boolean; cache: boolean }[] {
    const { entry: e, snapshot } = asked;
    // An item OpenFGA could not answer (e.g. an invalid pending grant): the single path handles it, or fails closed.
    if (result.allowed === undefined) {
      alone(e);
      return [];
    }
    const allowed = result.allowed;
    // As check: never cached under a request's own context or tuples, for a relation reading conditional
    // tuples, or when a pending conditional grant may have decided it.
    const uncached = e.extras.key !== '' || conditionalIn(snapshot) || (e.scope?.conditional ?? false);
    if (e.scope) {
      const revokes = (snapshot.ops ?? []).filter((op) => op.kind === 'revoke');
      if (revokes.some((op) => (allowed ? e.scope!.positive : e.scope!.negative).has(pairOf(op.tuple)))) {
        alone(e);
        return [];
      }
      return [{ asked, allowed, cache: revokes.length === 0 && !uncached }];
    }
    if (allowed && snapshot.outstandingRevokes > 0) {
      alone(e);
      return [];
    }
    return [{ asked, allowed, cache: snapshot.outstandingRevokes === 0 && !uncached }];
  }
}
