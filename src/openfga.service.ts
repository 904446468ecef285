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
import { writeThrough } from './client/write-through';
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

@Injectable()
export class OpenFgaService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('OpenFgaService');
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

  /**
   * Grants many tuples; one malformed tuple rejects the whole call and nothing is written.
   * The last op per tuple counts. Up to 1,000 tuples are buffered in one atomic step; a larger
   * call in several, in order (a crash can leave a prefix of whole steps buffered; a failure
   * part-way throws `IncompleteWriteError`). The token covers the whole call.
   */
  async grantMany(tuples: readonly Tuple[]): Promise<ConsistencyToken> {
    return this.record('grant', validateOperations('grant', tuples));
  }

  /** Revokes many tuples, in atomic steps as `grantMany`; one malformed tuple rejects the whole call and nothing is written. */
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
      const failed = await writeThrough(this.core.client, ops, options.maxTuplesPerWrite, options.authorizationModelId).then(
        () => undefined,
        (err: unknown) => ({ err }),
      );
      // Also after a failure: what was written (and the request whose fate is unknown) must not be answered from the cache.
      const seq = await buffer.invalidate(ops);
      if (failed) throw failed.err;
      return tokens.encode(seq);
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

  /** Flushes until every operation up to `seq` has reached OpenFGA (or was dead-lettered). */
  private async flushThrough(t: Tuple, seq: number, deadline: number): Promise<void> {
    for (;;) {
      const { oldestOutstanding } = await this.core.buffer.positions();
      if (oldestOutstanding === null || oldestOutstanding > seq) return;
      await this.advanceFlush(t, deadline, 'buffered writes');
    }
  }

  /**
   * One step of waiting for buffered writes to reach OpenFGA: flush what this
   * process can claim (also ops released since the last step), else give
   * other processes or queue workers a moment. Fails closed at the deadline.
   */
  private async advanceFlush(t: Tuple, deadline: number, what: string): Promise<void> {
    if (Date.now() >= deadline) throw new CheckUnavailableError(t, `${what} could not reach OpenFGA in time`);
    // A short slice: under a steady stream of writes a flush would otherwise keep
    // claiming newer batches; the caller re-checks its position after each slice.
    const result = await this.core.flusher.flush({ timeoutMs: Math.max(0, Math.min(FLUSH_SLICE_MS, deadline - Date.now())) });
    if (result.failed > 0) throw new CheckUnavailableError(t, `${what} could not be written: ${result.error ?? 'OpenFGA unavailable'}`);
    if (result.writes + result.deletes + result.deadLettered + (result.queued ?? 0) === 0) await new Promise((r) => setTimeout(r, 25));
  }

  private async resolveCheck(
    t: Tuple,
    deadline: number,
    freshAt: number | undefined,
  ): Promise<{ allowed: boolean; source: 'cache' | 'openfga' }> {
    const { cache, options } = this.core;
    const modelId = options.authorizationModelId;
    const fresh = freshAt !== undefined;
    const lookup = () => cache.lookup(t, modelId, fresh ? false : undefined);
    let found = await lookup();
    if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
    if (fresh || found.snapshot.pendingGrants === undefined) {
      // Fresh levels flush up to their position; too many pending grants to send
      // as contextual tuples are flushed instead, so OpenFGA knows them.
      await this.flushThrough(t, freshAt ?? (await this.core.buffer.positions()).latest, deadline);
      found = await lookup();
      if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
    }
    let allowed = await this.askOpenFga(t, found.snapshot, fresh);
    // A pending revoke (of this or any tuple it may derive from) can make an
    // OpenFGA "allowed" stale: write every op buffered before this point, then
    // ask again. Ops buffered later are concurrent with this check, so waiting
    // for them is not needed (and would never end under a steady stream of revokes).
    if (allowed && found.snapshot.outstandingRevokes > 0) {
      await this.flushThrough(t, (await this.core.buffer.positions()).latest, deadline);
      found = await lookup();
      if (found.source !== 'miss') return { allowed: found.allowed, source: found.source };
      allowed = await this.askOpenFga(t, found.snapshot, true);
    }
    await cache.populate(t, modelId, found.snapshot, allowed);
    return { allowed, source: 'openfga' };
  }

  /**
   * Asks OpenFGA with the pending grants as contextual tuples, so relations
   * derived from them (editor → viewer, group membership, parent folders)
   * are seen before the flush. A pending grant OpenFGA rejects as invalid
   * would fail every check: flush it (it is dead-lettered) and ask without.
   */
  private async askOpenFga(t: Tuple, snapshot: CacheSnapshot, higherConsistency: boolean): Promise<boolean> {
    const { client, options } = this.core;
    const modelId = options.authorizationModelId;
    const contextualTuples = snapshot.pendingGrants ?? [];
    try {
      // Identical misses against the same snapshot share one OpenFGA call (single flight):
      // a write in between changes the snapshot, so nobody is handed an answer older than their own write.
      const key = [
        tupleKey(t),
        snapshot.objectGen,
        snapshot.userGen,
        snapshot.epoch,
        higherConsistency,
        ...contextualTuples.map(tupleKey).sort(),
      ].join('\n');
      let call = this.inFlightChecks.get(key);
      if (!call) {
        call = client.check(t, { modelId, higherConsistency, contextualTuples }).finally(() => this.inFlightChecks.delete(key));
        this.inFlightChecks.set(key, call);
      }
      return await call;
    } catch (err) {
      if (contextualTuples.length === 0 || classifyError(err).kind !== 'permanent') throw err;
      await this.core.flusher.flush();
      return client.check(t, { modelId, higherConsistency: true });
    }
  }
}
