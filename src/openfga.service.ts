import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { BufferedOperation, DeadLetter, DeadLetterRetry } from './buffer/buffered-operation';
import { BufferCounts } from './buffer/write-buffer';
import { CheckDeadlines } from './check/check-deadlines';
import { CheckUnavailableError } from './check/check-unavailable.error';
import { InvalidConsistencyTokenError } from './consistency/consistency-token';
import type { CacheSnapshot } from './cache/check-cache';
import type { ChangeFeedStatus } from './changefeed/change-feed-poller';
import type { FlushQueueCounts } from './queue/flush-queue.interface';
import type { OpenFgaEvents } from './observability/openfga-events';
import { classifyError } from './client/classify-error';
import { tupleKey } from './redis/redis-keys';
import type { OpenFgaCore } from './core/openfga-core';
import { OPENFGA_CORE } from './openfga.constants';
import { FlushOptions, FlushResult } from './flush/flush-result';
import type { Tuple, TupleOperation, TupleOperationKind } from './tuple/tuple';
import { validateOperations, validateTuple } from './tuple/validate-tuple';

/** An opaque string naming the buffer position of a write (see `check`'s consistency options). */
export type ConsistencyToken = string;

export interface OpenFgaStatus extends BufferCounts {
  /** Present when `changeFeed.enabled`. */
  changeFeed?: ChangeFeedStatus;
  /** BullMQ job counts, in queue mode. */
  queue?: FlushQueueCounts;
}

/**
 * - `minimize-latency` (default): buffer, then cache, then OpenFGA.
 * - `at-least-as-fresh`: reflects at least every write up to `token`: what is
 *   still buffered up to it is flushed first; OpenFGA is asked with higher
 *   consistency; the cache is bypassed.
 * - `strong`: as `at-least-as-fresh` with the latest position at call time.
 */
export type CheckConsistency = 'minimize-latency' | 'at-least-as-fresh' | 'strong';

export interface CheckOptions {
  consistency?: CheckConsistency;
  /** Required with `at-least-as-fresh`: a token returned by grant/revoke. */
  token?: ConsistencyToken;
}

/**
 * The write-behind OpenFGA service: `grant`/`revoke` append to a durable
 * buffer in Redis (one round trip) and are written to OpenFGA by the flusher;
 * `check` sees them at once.
 *
 * @example
 * await openfga.grant('user:anne', 'editor', 'document:roadmap');
 * await openfga.check('user:anne', 'editor', 'document:roadmap'); // true, before any flush
 */
/** How long one flush step of a waiting check may claim new batches. */
const FLUSH_SLICE_MS = 100;
/** How often a waiting check looks at the buffer position when it has nothing to flush itself. */
const POLL_MS = 25;

@Injectable()
export class OpenFgaService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('OpenFgaService');
  /** OpenFGA checks under way, by what they ask (see askOpenFga). */
  private readonly inFlightChecks = new Map<string, Promise<boolean>>();
  /** Bounds every check by `checkTimeout` (fail closed), without a timer per check. */
  private readonly deadlines: CheckDeadlines;
  private shuttingDown = false;

  constructor(@Inject(OPENFGA_CORE) private readonly core: OpenFgaCore) {
    this.deadlines = new CheckDeadlines(core.options.checkTimeout * 1000);
  }

  /** Records that `user` has `relation` on `object`. Resolves once the operation is durable in Redis. */
  async grant(user: string, relation: string, object: string): Promise<ConsistencyToken> {
    return this.record('grant', [{ kind: 'grant', ...validateTuple({ user, relation, object }) }]);
  }

  /** Records that `user` no longer has `relation` on `object`. Resolves once the operation is durable in Redis. */
  async revoke(user: string, relation: string, object: string): Promise<ConsistencyToken> {
    return this.record('revoke', [{ kind: 'revoke', ...validateTuple({ user, relation, object }) }]);
  }

  /** Grants many tuples in one atomic step; one malformed tuple rejects the whole call and nothing is written. */
  async grantMany(tuples: readonly Tuple[]): Promise<ConsistencyToken> {
    return this.record('grant', validateOperations('grant', tuples));
  }

  /** Revokes many tuples in one atomic step; one malformed tuple rejects the whole call and nothing is written. */
  async revokeMany(tuples: readonly Tuple[]): Promise<ConsistencyToken> {
    return this.record('revoke', validateOperations('revoke', tuples));
  }

  /**
   * Whether `user` has `relation` on `object`: answered by the cache, else by
   * OpenFGA with the pending grants as contextual tuples (cached afterwards).
   * A cached answer is never one that a write acknowledged since would contradict.
   * Throws `CheckUnavailableError` when no trustworthy answer can be had in
   * `checkTimeout`: callers must treat that as a denial.
   */
  async check(user: string, relation: string, object: string, options: CheckOptions = {}): Promise<boolean> {
    const t = validateTuple({ user, relation, object });
    const timeoutMs = this.core.options.checkTimeout * 1000;
    const consistency = options.consistency ?? 'minimize-latency';
    const { events } = this.core;
    const started = events.has('checked') ? performance.now() : 0;
    try {
      const deadline = Date.now() + timeoutMs;
      const answer =
        consistency === 'minimize-latency'
          ? this.resolveCheck(t, deadline, undefined)
          : this.freshnessTarget(options).then((freshAt) => this.resolveCheck(t, deadline, freshAt));
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

  /**
   * What the module reports as it works: enqueued, settled, deadLettered, flushed, flushFailed,
   * cleared, checked, request (OpenFGA calls), changeFeedApplied.
   *
   * @example
   * openfga.events.on('deadLettered', ({ operations }) => alert(operations.length));
   */
  get events(): OpenFgaEvents {
    return this.core.events;
  }

  /** Buffer backlog, in-flight and dead-letter counts, the last flush, the change feed's lag and (queue mode) job counts. */
  async status(): Promise<OpenFgaStatus> {
    const { buffer, changeFeed, options, queue } = this.core;
    const [counts, feed, jobs] = await Promise.all([
      buffer.counts(),
      options.changeFeed.enabled ? changeFeed.status() : undefined,
      queue?.counts(),
    ]);
    return { ...counts, ...(feed ? { changeFeed: feed } : {}), ...(jobs ? { queue: jobs } : {}) };
  }

  /** Pending (not yet claimed) operations with their timestamps, oldest first. */
  getPendingOperations(limit?: number): Promise<BufferedOperation[]> {
    return this.core.buffer.pendingOperations(limit);
  }

  /** Writes what is pending to OpenFGA now. */
  flush(options?: FlushOptions): Promise<FlushResult> {
    return this.core.flusher.flush(options);
  }

  /** Discards pending operations (in-flight batches are left to finish); returns how many were discarded. */
  async clear(): Promise<number> {
    const discarded = await this.core.buffer.clear();
    this.logger.warn({ message: 'Pending operations discarded', count: discarded });
    return discarded;
  }

  /** Operations OpenFGA rejected permanently, with the server's reason. */
  getDeadLetters(): Promise<DeadLetter[]> {
    return this.core.buffer.deadLetters();
  }

  /**
   * Returns dead letters (all, or by id) to the buffer, unless a newer op on
   * their tuple (pending, in flight, or settled since) supersedes them: those
   * are dropped and named in `supersededIds` (last operation wins).
   */
  retryDeadLetters(ids?: readonly string[]): Promise<DeadLetterRetry> {
    return this.core.buffer.retryDeadLetters(ids);
  }

  /** Deletes dead letters (all, or by id); returns how many. */
  purgeDeadLetters(ids?: readonly string[]): Promise<number> {
    return this.core.buffer.purgeDeadLetters(ids);
  }

  onApplicationBootstrap(): void {
    if (this.core.options.enabled && this.core.options.autoFlush) this.core.triggers.start();
    if (this.core.options.changeFeed.enabled) this.core.changeFeed.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.shuttingDown) return; // a second close() must not flush again
    this.shuttingDown = true;
    this.core.triggers.stop();
    await this.core.changeFeed.stop();
    if (!this.core.options.enabled || !this.core.options.flushOnShutdown) return;
    const timeoutMs = this.core.options.shutdownTimeout * 1000;
    try {
      const result = await this.core.flusher.flush({ timeoutMs });
      const left = await this.core.buffer.counts();
      if (left.pending.total > 0 || result.failed > 0) {
        this.logger.warn({
          message: 'Shutdown flush left operations in Redis; another process or the next start will write them',
          pending: left.pending.total,
          failed: result.failed,
        });
      }
    } catch (err) {
      this.logger.error(`Shutdown flush failed; operations stay in Redis: ${String(err)}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.core.close();
  }

  private async record(kind: TupleOperationKind, ops: TupleOperation[]): Promise<ConsistencyToken> {
    if (ops.length === 0) throw new RangeError(`${kind}Many needs at least one tuple`);
    const { buffer, options, tokens } = this.core;
    if (!options.enabled) {
      // Write-through, as the Laravel package does when its write-behind cache is off.
      await this.core.client.write(
        ops.filter((o) => o.kind === 'grant'),
        ops.filter((o) => o.kind === 'revoke'),
        options.authorizationModelId,
      );
      return tokens.encode(await buffer.invalidate(ops));
    }
    const { seq, queued } = await buffer.enqueue(ops, options.authorizationModelId);
    this.core.triggers.onEnqueued(queued);
    return tokens.encode(seq);
  }

  /** The buffer position a check must reflect, or undefined for minimize-latency. Bad input throws before anything else. */
  private async freshnessTarget({ consistency = 'minimize-latency', token }: CheckOptions): Promise<number | undefined> {
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
    const { flusher } = this.core;
    if (flusher.busy) return pause(POLL_MS);
    // A short slice: under a steady stream of writes a flush would otherwise keep
    // claiming newer batches; the caller re-checks its position after each slice.
    const result = await flusher.flush({ timeoutMs: Math.max(0, Math.min(FLUSH_SLICE_MS, deadline - Date.now())) });
    if (result.failed > 0) throw new CheckUnavailableError(t, `${what} could not be written: ${result.error ?? 'OpenFGA unavailable'}`);
    if (result.writes + result.deletes + result.deadLettered + (result.queued ?? 0) === 0) await pause(POLL_MS);
  }

  private async resolveCheck(
    t: Tuple,
    deadline: number,
    freshAt: number | undefined,
  ): Promise<{ allowed: boolean; source: 'cache' | 'openfga' }> {
    const { cache, options } = this.core;
    const modelId = options.authorizationModelId;
    const fresh = freshAt !== undefined;
    const latest = async () => (await this.core.buffer.positions()).latest;
    const lookup = (useCache: boolean | undefined = fresh ? false : undefined) => cache.lookup(t, modelId, useCache);
    let found = await lookup();
    if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
    if (fresh || found.snapshot.pendingGrants === undefined) {
      // Fresh levels flush up to their position; too many pending grants to send
      // as contextual tuples are flushed instead, so OpenFGA knows them.
      await this.flushThrough(t, freshAt ?? (await latest()), deadline);
      found = await lookup();
      if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
    }
    const ask = async (snapshot: CacheSnapshot, higherConsistency: boolean): Promise<boolean> => {
      try {
        return await this.askOpenFga(t, snapshot, higherConsistency);
      } catch (err) {
        if (!snapshot.pendingGrants?.length || classifyError(err).kind !== 'permanent') throw err;
        // OpenFGA rejects the whole check when one pending grant sent as a contextual
        // tuple is invalid. Flush what is buffered now (the flush dead-letters that
        // grant), then ask once more with the pending grants left, so none of them
        // (a `but not` grant may take access away) is ignored. Bounded by the deadline;
        // a second rejection fails closed.
        await this.flushThrough(t, await latest(), deadline);
        found = await lookup(false);
        if (found.source !== 'miss' || found.snapshot.pendingGrants === undefined) {
          throw new CheckUnavailableError(t, `pending grants could not be sent to OpenFGA: ${String(err)}`, err);
        }
        return this.askOpenFga(t, found.snapshot, true);
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
    if (found.snapshot.pendingGrants !== undefined) await cache.populate(t, modelId, found.snapshot, allowed);
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
   * sees a revoke written never joins a call that may predate it.
   */
  private askOpenFga(t: Tuple, snapshot: CacheSnapshot, higherConsistency: boolean): Promise<boolean> {
    const { client, options } = this.core;
    const modelId = options.authorizationModelId;
    const contextualTuples = snapshot.pendingGrants ?? [];
    const higher =
      higherConsistency || (snapshot.revokedAt > 0 && Date.now() - snapshot.revokedAt < options.revokeConsistencyWindow * 1000);
    const key = [
      tupleKey(t),
      snapshot.objectGen,
      snapshot.userGen,
      snapshot.epoch,
      snapshot.revokedAt,
      snapshot.outstandingRevokes > 0,
      higher,
      ...contextualTuples.map(tupleKey).sort(),
    ].join('\n');
    let answer = this.inFlightChecks.get(key);
    if (!answer) {
      answer = client.check(t, { modelId, higherConsistency: higher, contextualTuples }).finally(() => this.inFlightChecks.delete(key));
      this.inFlightChecks.set(key, answer);
    }
    return answer;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
