import type { ReadSnapshot } from '../buffer/outstanding-ops';
import { classifyError } from '../client/classify-error';
import type { FgaBatchItem, FgaBatchResult } from '../client/fga-client';
import { InvalidConsistencyTokenError } from '../consistency/consistency-token';
import type { Read, ReadTarget } from '../read/read-engine';
import type { Tuple } from '../tuple/tuple';
import type { BatchCheckAnswer, ValidatedBatchItem } from './batch-check-items';
import type { CheckOptions } from './check-options';
import { Answer, CheckResolver, CheckResolverParts } from './check-resolver';
import { CheckUnavailableError } from './check-unavailable.error';
import type { RequestExtras } from './request-context';

/** OpenFGA's default `max_checks_per_batch_check`: a larger batch is sent in chunks of this size. */
export const MAX_CHECKS_PER_BATCH_CHECK = 50;

/** One item on its way through the batch. */
interface Entry {
  t: Tuple;
  extras: RequestExtras;
  target: ReadTarget;
  settle(answer: Promise<Answer>): void;
}

/** A miss whose snapshot lets OpenFGA be asked at once, in the batch. */
interface Asked {
  entry: Entry;
  read: Read;
  snapshot: ReadSnapshot;
  higher: boolean;
}

/**
 * `batchCheck`: many checks for the price of one cache read and one OpenFGA
 * request. ONE MGET reads every cacheable item's answer and generations; the
 * misses' snapshots are taken together (one script); those the read engine
 * finds ready are asked in ONE BatchCheck (chunks of
 * {@link MAX_CHECKS_PER_BATCH_CHECK}), each with its own relevant pending
 * grants as contextual tuples. Each answer then follows the engine's rules: an
 * op that may turn it, a snapshot that owes writes, or an error on that item
 * sends that item alone down `CheckResolver.resolve` from its snapshot (which
 * writes first and asks again); it is cached only when the engine allows it.
 * Every item is bounded by `checkTimeout`, fails closed on its own, and emits
 * `checked`.
 */
export class BatchCheckResolver {
  constructor(
    private readonly core: CheckResolverParts,
    private readonly single: CheckResolver,
  ) {}

  /** Answers validated items in input order; throws only `InvalidConsistencyTokenError` (the whole call is the caller's mistake). */
  async batchCheck(items: readonly ValidatedBatchItem[], options: CheckOptions): Promise<BatchCheckAnswer[]> {
    if (items.length === 0) return [];
    const { events, engine } = this.core;
    const timeoutMs = engine.timeoutMs;
    const consistency = options.consistency ?? 'minimize-latency';
    const started = events.has('checked') ? performance.now() : 0;
    const deadline = Date.now() + timeoutMs;
    const entries: Entry[] = [];
    const answers = items.map(({ tuple }, i) =>
      engine.bound(
        new Promise<Answer>((resolve, reject) => {
          entries.push({
            t: tuple,
            extras: items[i].extras,
            target: { probe: tuple, scope: engine.scope.forRead(tuple) },
            settle: (answer) => answer.then(resolve, reject),
          });
        }),
        () => new CheckUnavailableError(tuple, `no answer within checkTimeout (${timeoutMs} ms)`),
      ),
    );
    const down = engine.redisDown;
    const freshAt = engine.bound(
      down ? Promise.reject(new Error(`Redis is unavailable (${down})`)) : engine.freshnessTarget(options),
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
    const { cache, engine, options } = this.core;
    const modelId = options.authorizationModelId;
    const readOf = (e: Entry) => engine.readAt(freshAt, deadline, (reason, cause) => new CheckUnavailableError(e.t, reason, cause));
    // 1. One MGET for every item whose answer may come from the cache.
    const cacheable = freshAt === undefined ? entries.filter((e) => e.extras.key === '') : [];
    const cached = await cache.lookupMany(
      cacheable.map((e) => ({ t: e.t, scope: e.target.scope })),
      modelId,
    );
    const hits = new Set<Entry>();
    const snapshots = new Map<Entry, ReadSnapshot>();
    cacheable.forEach((e, i) => {
      const { allowed, quiet: snapshot } = cached[i];
      if (snapshot) snapshots.set(e, snapshot);
      if (allowed === undefined) return;
      hits.add(e);
      e.settle(Promise.resolve({ allowed, source: 'cache' }));
    });
    // 2. The misses' snapshots, in one script call (none when the MGET found the store quiet); each decides
    // whether its item can be asked in the batch.
    const misses = entries.filter((e) => !hits.has(e));
    const room = (e: Entry) => engine.room(e.extras.tuples.length);
    const unread = misses.filter((e) => !snapshots.has(e));
    const read = await engine.snapshots(unread.map((e) => ({ ...e.target, room: room(e) })));
    unread.forEach((e, i) => snapshots.set(e, read[i]));
    const asked: Asked[] = [];
    misses.forEach((e) => {
      const snapshot = snapshots.get(e)!;
      const read = readOf(e);
      if (!engine.isReady(read, e.target, snapshot, room(e))) return e.settle(this.single.resolve(e.t, read, e.extras, snapshot));
      asked.push({ entry: e, read, snapshot, higher: engine.higherConsistency(read, snapshot) });
    });
    // 3. One BatchCheck (per consistency preference, in chunks of OpenFGA's cap).
    const chunks: Asked[][] = [];
    for (const higher of [false, true]) {
      const group = asked.filter((a) => a.higher === higher);
      for (let i = 0; i < group.length; i += MAX_CHECKS_PER_BATCH_CHECK) chunks.push(group.slice(i, i + MAX_CHECKS_PER_BATCH_CHECK));
    }
    await Promise.all(chunks.map((chunk) => this.askChunk(chunk)));
  }

  private async askChunk(chunk: Asked[]): Promise<void> {
    const { client, engine, options } = this.core;
    const alone = (a: Asked) => a.entry.settle(this.single.resolve(a.entry.t, a.read, a.entry.extras, a.snapshot));
    const request: FgaBatchItem[] = chunk.map(({ entry, snapshot }) => ({
      tuple: entry.t,
      contextualTuples: engine.contextualTuples(snapshot, entry.extras.tuples),
      ...(entry.extras.context ? { context: entry.extras.context } : {}),
    }));
    let results: FgaBatchResult[];
    try {
      results = await client.batchCheck(request, { modelId: options.authorizationModelId, higherConsistency: chunk[0].higher });
    } catch (err) {
      // A request OpenFGA refused whole: each item alone (the engine writes what it depends on first); else no answer.
      if (classifyError(err).kind === 'permanent') chunk.forEach(alone);
      else chunk.forEach((a) => a.entry.settle(Promise.reject(err)));
      return;
    }
    const answered: { asked: Asked; allowed: boolean }[] = [];
    chunk.forEach((a, i) => {
      const allowed = results[i].allowed;
      // An item OpenFGA could not answer, or whose answer an op it depends on may turn: the single path.
      if (allowed === undefined || engine.mayTurn(a.entry.target.scope, a.snapshot, allowed)) return alone(a);
      answered.push({ asked: a, allowed });
    });
    // Cached in one script, sent before the answers are handed out, on the connection the next cache read takes
    // (so that read sees them); not awaited: a failure only leaves them uncached.
    const cacheable = answered.filter(({ asked: { entry, snapshot } }) =>
      engine.cacheable(entry.target.scope, snapshot, entry.extras.key !== ''),
    );
    if (cacheable.length > 0) {
      const items = cacheable.map(({ asked: { entry, snapshot }, allowed }) => ({
        t: entry.t,
        scope: entry.target.scope,
        snapshot,
        allowed,
      }));
      this.core.cache.populateMany(items, options.authorizationModelId).catch(() => undefined);
    }
    for (const { asked, allowed } of answered) asked.entry.settle(Promise.resolve({ allowed, source: 'openfga' }));
  }
}
