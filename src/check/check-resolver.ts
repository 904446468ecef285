import { CacheSnapshot, CheckCache, conditionalIn, contextual, MAX_CONTEXTUAL_TUPLES, OutstandingOp } from '../cache/check-cache';
import type { ReadScope, RelationScope } from '../cache/relation-scope';
import { pairOf } from '../model/relation-graph';
import type { WriteBuffer } from '../buffer/write-buffer';
import { classifyError } from '../client/classify-error';
import type { FgaClient } from '../client/fga-client';
import { ConsistencyTokens, InvalidConsistencyTokenError } from '../consistency/consistency-token';
import type { Flusher } from '../flush/flusher';
import type { OpenFgaEvents } from '../events/openfga-events';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { tupleKey } from '../redis/redis-keys';
import type { ConditionalTuple, Tuple } from '../tuple/tuple';
import { CheckDeadlines } from './check-deadlines';
import { operationsProcessed } from '../flush/flush-result';
import type { CheckOptions } from './check-options';
import { NO_EXTRAS, RequestExtras, requestExtras } from './request-context';
import { CheckUnavailableError } from './check-unavailable.error';

/** What the read path reads and drives. */
export interface CheckResolverParts {
  options: ResolvedOpenFgaOptions;
  cache: CheckCache;
  /** The model's relation graph as read scopes (none: the store-wide read path). */
  scope: RelationScope;
  buffer: WriteBuffer;
  flusher: Flusher;
  client: FgaClient;
  tokens: ConsistencyTokens;
  events: OpenFgaEvents;
}

export type Answer = { allowed: boolean; source: 'cache' | 'openfga' };

/**
 * The relevant ops a check must see written before it asks OpenFGA: at a
 * fresh level, every one up to its position; at any level, when more
 * relevant ops exist than were listed, or more grants than fit as contextual
 * tuples, the listed ones (the next lookup lists the rest).
 */
export function owedOps(snapshot: CacheSnapshot, freshAt: number | undefined, room = MAX_CONTEXTUAL_TUPLES): OutstandingOp[] {
  const ops = snapshot.ops ?? [];
  if (!snapshot.complete || grantsIn(snapshot).length > room) return ops;
  return freshAt === undefined ? [] : ops.filter((op) => op.seq <= freshAt);
}

/** How long a shared OpenFGA answer stays joinable after it arrived, with the cache on (see askOpenFga). */
const SHARED_ANSWER_GRACE_MS = 50;

/** The outstanding grants a snapshot lists: what OpenFGA is asked with, as contextual tuples. */
export function grantsIn(snapshot: CacheSnapshot): OutstandingOp[] {
  return (snapshot.ops ?? []).filter((op) => op.kind === 'grant');
}

/** How long one flush step of a waiting check may claim new batches. */
const FLUSH_SLICE_MS = 100;
/** How often a waiting check looks at the buffer position when it has nothing to flush itself. */
const POLL_MS = 25;

/**
 * The read path: how a check is answered without ever serving state older
 * than a write acknowledged before it (see the README's Consistency section).
 * Framework-free: `OpenFgaService.check` is a facade over it.
 */
export class CheckResolver {
  /** OpenFGA checks under way, by what they ask (see askOpenFga). */
  private readonly inFlightChecks = new Map<string, Promise<boolean>>();
  /** Bounds every check by `checkTimeout` (fail closed), without a timer per check. */
  private readonly deadlines: CheckDeadlines;

  constructor(private readonly core: CheckResolverParts) {
    this.deadlines = new CheckDeadlines(core.options.checkTimeout * 1000);
  }

  /**
   * Answers a validated check within `checkTimeout` (fail closed): the cache,
   * else OpenFGA with the pending grants as contextual tuples (cached
   * afterwards). Emits `checked`. Throws `CheckUnavailableError` when no
   * trustworthy answer can be had, `InvalidConsistencyTokenError` for a bad token.
   */
  async check(t: Tuple, options: CheckOptions = {}): Promise<boolean> {
    const timeoutMs = this.core.options.checkTimeout * 1000;
    const consistency = options.consistency ?? 'minimize-latency';
    const extras = requestExtras(options.context, options.contextualTuples);
    const { events } = this.core;
    const started = events.has('checked') ? performance.now() : 0;
    try {
      const deadline = Date.now() + timeoutMs;
      const answer =
        consistency === 'minimize-latency'
          ? this.resolve(t, deadline, undefined, extras)
          : this.freshnessTarget(options).then((freshAt) => this.resolve(t, deadline, freshAt, extras));
      const { allowed, source } = await this.deadlines.bound(
        answer,
        () => new CheckUnavailableError(t, `no answer within checkTimeout (${timeoutMs} ms)`),
      );
      if (started) events.emit('checked', { source, allowed, durationMs: performance.now() - started, consistency });
      return allowed;
    } catch (err) {
      if (started) events.emit('checked', { source: 'error', allowed: false, durationMs: performance.now() - started, consistency });
      // A bad token is the caller's mistake (400), not an outage; everything else is "no answer".
      if (err instanceof CheckUnavailableError || err instanceof InvalidConsistencyTokenError) throw err;
      throw new CheckUnavailableError(t, String(err instanceof Error ? err.message : err), err);
    }
  }

  /** The buffer position a check must reflect, or undefined for minimize-latency. Bad input throws before anything else. */
  async freshnessTarget({ consistency = 'minimize-latency', token }: CheckOptions): Promise<number | undefined> {
    switch (consistency) {
      case 'minimize-latency':
        return undefined;
      case 'at-least-as-fresh':
        return this.core.tokens.decode(token);
      case 'strong':
        return (await this.core.buffer.positions()).latest;
      default:
        throw new InvalidConsistencyTokenError(consistency, 'consistency must be "minimize-latency", "at-least-as-fresh" or "strong"');
    }
  }

  /**
   * Flushes until every operation up to `seq` has reached OpenFGA (or was
   * dead-lettered). A position beyond the latest one handed out (a forged
   * token, or one from before Redis lost its data) counts as the latest:
   * nothing past it exists to wait for.
   */
  private async flushThrough(t: Tuple, seq: number, deadline: number): Promise<void> {
    let target: number | undefined;
    for (;;) {
      const { oldestOutstanding, latest } = await this.core.buffer.positions();
      target ??= Math.min(seq, latest);
      if (oldestOutstanding === null || oldestOutstanding > target) return;
      await this.advanceFlush(t, deadline, 'buffered writes');
    }
  }

  /**
   * One step of waiting for buffered writes to reach OpenFGA: flush what this
   * process can claim (also ops released since the last step), else give
   * other processes or queue workers a moment. Fails closed at the deadline.
   * A flush this process is already running is not awaited (it may drain a
   * large backlog): the caller polls its position instead.
   */
  private async advanceFlush(t: Tuple, deadline: number, what: string): Promise<void> {
    if (Date.now() >= deadline) throw new CheckUnavailableError(t, `${what} could not reach OpenFGA in time`);
    // A short slice: under a steady stream of writes a flush would otherwise keep
    // claiming newer batches; the caller re-checks its position after each slice.
    const slice = this.core.flusher.flushSlice(Math.max(0, Math.min(FLUSH_SLICE_MS, deadline - Date.now())));
    if (!slice) return pause(POLL_MS);
    const result = await slice;
    if (result.failed > 0) throw new CheckUnavailableError(t, `${what} could not be written: ${result.error ?? 'OpenFGA unavailable'}`);
    // (failed is 0 here: a failure threw above)
    if (operationsProcessed(result) === 0) await pause(POLL_MS);
  }

  /**
   * The whole read path of one check, unbounded (the caller bounds it). A
   * check with a request-time context or caller contextual tuples (`extras`)
   * neither reads nor fills the cache: its answer holds for that request only.
   */
  resolve(t: Tuple, deadline: number, freshAt: number | undefined, extras: RequestExtras = NO_EXTRAS): Promise<Answer> {
    const scope = this.core.scope.forRead(t);
    return scope ? this.resolveScoped(t, scope, deadline, freshAt, extras) : this.resolveUnscoped(t, deadline, freshAt, extras);
  }

  /**
   * The read path with the model's relation graph: only the outstanding ops
   * the checked relation depends on matter (its read scope). Pending grants
   * among them go to OpenFGA as contextual tuples; when they do not fit, or
   * a fresh level needs them in OpenFGA, those ops alone are written first
   * (a priority claim), never the rest of the backlog. A pending revoke that
   * could turn the answer (one that may take access away, after an
   * "allowed"; one on the subtracted side of a `but not`, after a "denied")
   * is written before the answer is trusted, then OpenFGA is asked again.
   */
  private async resolveScoped(
    t: Tuple,
    scope: ReadScope,
    deadline: number,
    freshAt: number | undefined,
    extras: RequestExtras,
  ): Promise<Answer> {
    const { cache, options } = this.core;
    const modelId = options.authorizationModelId;
    const fresh = freshAt !== undefined;
    const uncached = fresh || extras.key !== '';
    // Caller tuples share OpenFGA's 100 contextual tuples with the pending grants.
    const room = MAX_CONTEXTUAL_TUPLES - extras.tuples.length;
    const lookup = (useCache: boolean | undefined = uncached ? false : undefined) => cache.lookup(t, modelId, scope, useCache);
    let found = await lookup();
    for (let round = 0; ; round++) {
      if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
      // Bring OpenFGA up to date with what this answer needs, as far as needed.
      const owed = owedOps(found.snapshot, freshAt, room);
      if (owed.length > 0 || !found.snapshot.complete) {
        // (An incomplete listing with no op in it read only stale index entries, which it dropped.)
        if (owed.length > 0) await this.writeFirst(t, owed, deadline);
        else if (Date.now() >= deadline) throw new CheckUnavailableError(t, 'the operations it depends on could not be listed in time');
        found = await lookup(false);
        continue;
      }
      const snapshot = found.snapshot;
      const allowed = await this.askScoped(t, scope, snapshot, fresh || round > 0, deadline, extras);
      const revokes = (snapshot.ops ?? []).filter((op) => op.kind === 'revoke');
      const turning = revokes.filter((op) => (allowed ? scope.positive : scope.negative).has(pairOf(op.tuple)));
      // A second round's revokes were buffered during this check: concurrent with it, not awaited.
      if (turning.length > 0 && round === 0) {
        await this.waitWritten(t, turning, deadline);
        found = await lookup(false);
        continue;
      }
      // OpenFGA answered without the revokes (they cannot be contextual tuples), and their settle moves no generation.
      // A relation reading conditional tuples may answer otherwise later, with nothing written: never cached;
      // nor an answer under a request's own context or tuples (it holds for that request only).
      if (revokes.length === 0 && !scope.conditional && !conditionalIn(snapshot) && extras.key === '')
        await cache.populate(t, modelId, scope, snapshot, allowed);
      return { allowed, source: 'openfga' };
    }
  }

  /**
   * Asks OpenFGA with the relevant pending grants. OpenFGA rejects the whole
   * check when one of them is invalid: those grants are then written (the
   * flush dead-letters the bad one) and OpenFGA is asked once more with what
   * is left, so no pending grant (a `but not` grant may take access away) is
   * ignored; a second rejection fails closed.
   */
  private async askScoped(
    t: Tuple,
    scope: ReadScope,
    snapshot: CacheSnapshot,
    higher: boolean,
    deadline: number,
    extras: RequestExtras,
  ): Promise<boolean> {
    const grants = grantsIn(snapshot);
    try {
      return await this.askOpenFga(t, snapshot, grants.map(contextual), higher, extras);
    } catch (err) {
      if (grants.length === 0 || classifyError(err).kind !== 'permanent') throw err;
      await this.waitWritten(t, grants, deadline);
      const found = await this.core.cache.lookup(t, this.core.options.authorizationModelId, scope, false);
      const left = found.source === 'miss' ? found.snapshot : undefined;
      const leftGrants = left ? grantsIn(left) : [];
      if (!left?.complete || leftGrants.length > MAX_CONTEXTUAL_TUPLES - extras.tuples.length) {
        throw new CheckUnavailableError(t, `pending grants could not be sent to OpenFGA: ${String(err)}`, err);
      }
      return this.askOpenFga(t, left, leftGrants.map(contextual), true, extras);
    }
  }

  /** Writes the given outstanding ops ahead of the backlog (those not in flight elsewhere); fails closed at the deadline. */
  private async writeFirst(t: Tuple, ops: readonly OutstandingOp[], deadline: number): Promise<void> {
    if (Date.now() >= deadline) throw new CheckUnavailableError(t, 'the operations it depends on could not reach OpenFGA in time');
    const result = await this.core.flusher.flushTuples(ops.map((op) => op.key));
    if (result.failed > 0)
      throw new CheckUnavailableError(t, `the operations it depends on could not be written: ${result.error ?? 'OpenFGA unavailable'}`);
    // Nothing claimable: in flight in another process or a queue job; give it a moment.
    if (operationsProcessed(result) === 0 && !result.queued) await pause(POLL_MS);
  }

  /** Writes the given ops first and waits until each is settled (or superseded by a newer op on its tuple). */
  private async waitWritten(t: Tuple, ops: readonly OutstandingOp[], deadline: number): Promise<void> {
    let left = [...ops];
    while (left.length > 0) {
      await this.writeFirst(t, left, deadline);
      const seqs = await this.core.buffer.outstandingPositions(left.map((op) => op.key));
      left = left.filter((op, i) => seqs[i] !== null && seqs[i]! <= op.seq);
      if (left.length > 0) await pause(POLL_MS);
    }
  }

  /** The read path without a relation graph (the model could not be read): the whole store is one unit. */
  private async resolveUnscoped(t: Tuple, deadline: number, freshAt: number | undefined, extras: RequestExtras): Promise<Answer> {
    const { cache, options } = this.core;
    const modelId = options.authorizationModelId;
    const fresh = freshAt !== undefined;
    const uncached = fresh || extras.key !== '';
    const latest = async () => (await this.core.buffer.positions()).latest;
    // More pending grants than fit beside the caller's tuples make the snapshot incomplete: they are flushed first.
    const room = MAX_CONTEXTUAL_TUPLES - extras.tuples.length;
    const lookup = (useCache: boolean | undefined = uncached ? false : undefined) => cache.lookup(t, modelId, undefined, useCache, room);
    const grantsOf = (snapshot: CacheSnapshot) => grantsIn(snapshot).map(contextual);
    let found = await lookup();
    if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
    if (fresh || !found.snapshot.complete) {
      // Fresh levels flush up to their position; too many pending grants to send
      // as contextual tuples are flushed instead, so OpenFGA knows them.
      await this.flushThrough(t, freshAt ?? (await latest()), deadline);
      found = await lookup();
      if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
    }
    const ask = async (snapshot: CacheSnapshot, higherConsistency: boolean): Promise<boolean> => {
      try {
        return await this.askOpenFga(t, snapshot, grantsOf(snapshot), higherConsistency, extras);
      } catch (err) {
        if (!snapshot.ops?.length || classifyError(err).kind !== 'permanent') throw err;
        // As in askScoped: write what is buffered (dead-lettering the bad grant), ask once more, else fail closed.
        await this.flushThrough(t, await latest(), deadline);
        found = await lookup(false);
        if (found.source !== 'miss' || !found.snapshot.complete) {
          throw new CheckUnavailableError(t, `pending grants could not be sent to OpenFGA: ${String(err)}`, err);
        }
        return this.askOpenFga(t, found.snapshot, grantsOf(found.snapshot), true, extras);
      }
    };
    let allowed = await ask(found.snapshot, fresh);
    // A pending revoke (of this or any tuple it may derive from) can make an
    // OpenFGA "allowed" stale: write every op buffered before this point, then
    // ask again. Ops buffered later are concurrent with this check, so waiting
    // for them is not needed (and would never end under a steady stream of revokes).
    if (allowed && found.snapshot.outstandingRevokes > 0) {
      await this.flushThrough(t, await latest(), deadline);
      found = await lookup();
      if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
      allowed = await ask(found.snapshot, true);
    }
    // Without its pending grants (too many to list) the answer may miss one of them: serve it, never cache it.
    // Nor from a snapshot with a revoke outstanding: OpenFGA answered without it, and its settle moves no generation.
    // Nor one that a pending conditional grant may have decided, nor one under a request's own context or tuples.
    if (found.snapshot.complete && found.snapshot.outstandingRevokes === 0 && !conditionalIn(found.snapshot) && extras.key === '') {
      await cache.populate(t, modelId, undefined, found.snapshot, allowed);
    }
    return { allowed, source: 'openfga' };
  }

  /**
   * Asks OpenFGA with the pending grants as contextual tuples, so relations
   * derived from them (editor → viewer, group membership, parent folders)
   * are seen before the flush. For `revokeConsistencyWindow` after any
   * process wrote a revoke, OpenFGA is asked with higher consistency: its own
   * check cache may still hold an "allowed" from before the revoke.
   *
   * Identical misses share one OpenFGA call (single flight): same tuple,
   * generations, epoch and pending grants, and the same last written revoke.
   * Settling a revoke moves no generation, but it moves `revokedAt` (a new
   * value at every settle that wrote a revoke), so a check whose snapshot
   * sees a revoke written never joins a call that may predate it. A
   * request's own context and tuples are part of what is asked (`extras.key`).
   */
  private askOpenFga(
    t: Tuple,
    snapshot: CacheSnapshot,
    pendingGrants: ConditionalTuple[],
    higherConsistency: boolean,
    extras: RequestExtras = NO_EXTRAS,
  ): Promise<boolean> {
    const { client, options } = this.core;
    const modelId = options.authorizationModelId;
    const higher =
      higherConsistency || (snapshot.revokedAt > 0 && Date.now() - snapshot.revokedAt < options.revokeConsistencyWindow * 1000);
    const key = [
      tupleKey(t),
      snapshot.objectGen,
      snapshot.userGen,
      snapshot.relationGen,
      snapshot.epoch,
      snapshot.revokedAt,
      snapshot.outstandingRevokes > 0,
      higher,
      ...pendingGrants.map((c) => (c.condition ? `${tupleKey(c)} ${JSON.stringify(c.condition)}` : tupleKey(c))).sort(),
      extras.key,
    ].join('\n');
    let answer = this.inFlightChecks.get(key);
    if (!answer) {
      const contextualTuples = withCallerTuples(pendingGrants, extras);
      answer = client.check(t, {
        modelId,
        higherConsistency: higher,
        contextualTuples,
        ...(extras.context ? { context: extras.context } : {}),
      });
      // With the cache on, kept a moment after it resolves: a miss whose snapshot was read while the answer
      // was on its way (Redis Cluster answers a burst slower) shares it, as it would have found it cached.
      // The key is the whole snapshot, so no write it depends on can have happened in between.
      const graceMs = options.cache ? SHARED_ANSWER_GRACE_MS : 0;
      const forget = () => setTimeout(() => this.inFlightChecks.delete(key), graceMs).unref();
      answer.then(forget, forget);
      this.inFlightChecks.set(key, answer);
    }
    return answer;
  }
}

/**
 * The pending grants, then the caller's tuples that do not repeat one
 * (OpenFGA refuses a duplicate): the pending grant is what the store holds.
 */
export function withCallerTuples(pendingGrants: readonly ConditionalTuple[], extras: RequestExtras): ConditionalTuple[] {
  if (extras.tuples.length === 0) return [...pendingGrants];
  const pending = new Set(pendingGrants.map(tupleKey));
  return [...pendingGrants, ...extras.tuples.filter((c) => !pending.has(tupleKey(c)))];
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
