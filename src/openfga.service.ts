import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { BufferedOperation, DeadLetter, DeadLetterRetry } from './buffer/buffered-operation';
import { validateDeadLetterIds } from './buffer/dead-letter-ids';
import { BufferBacklog, BufferCounts, ClearOptions } from './buffer/write-buffer';
import { CheckOptions, ConsistencyToken, validateCheckOptions } from './check/check-options';
import type { ChangeFeedStatus } from './changefeed/change-feed-poller';
import type { RedisMemory } from './redis/redis-memory';
import type { ModelGraphStatus } from './scope/model-watch';
import type { FlushQueueCounts } from './queue/flush-queue-port';
import type { OpenFgaEvents } from './events/openfga-events';
import { writeThrough } from './client/write-through';
import type { OpenFgaCore } from './core/openfga-core';
import { OPENFGA_CORE } from './openfga.constants';
import { FlushOptions, FlushResult } from './flush/flush-result';
import type { ConditionalTuple, Tuple, TupleOperation, TupleOperationKind } from './tuple/tuple';
import { validateOperations, validateTuple } from './tuple/validate-tuple';
import type { ExpandResponse, OpenFgaClient } from '@openfga/sdk';
import { ListOptions, validateListOptions } from './list/list-options';
import { listObjectsQuery, listUsersQuery } from './list/list-query';
import { expandStored, ReadFilter, ReadOptions, ReadPage, readStored, validateReadFilter, validateReadOptions } from './list/passthrough';
import { validateObject, validateRelation } from './tuple/validate-tuple';
import { InvalidTupleError } from './tuple/invalid-tuple.error';
import { checkWritesInModel } from './model/write-rules';
import { GrantOptions, REVOKE_TAKES_NO_CONDITION, validateGrantOptions } from './tuple/grant-options';
import { waitAtMost } from './timing/wait-at-most';

export type { GrantOptions } from './tuple/grant-options';

import { BatchCheckAnswer, BatchCheckItem, BatchCheckOptions, validateBatchCheck } from './check/batch-check-items';
import { secondsToMs } from './timing/seconds';

export type { CheckConsistency, CheckOptions, ConsistencyToken } from './check/check-options';
export type { BatchCheckAnswer, BatchCheckItem, BatchCheckOptions } from './check/batch-check-items';

export interface OpenFgaStatus extends BufferCounts {
  /** The authorization model the read path follows, and whether cache invalidation is scoped by its relation graph. */
  model: ModelGraphStatus;
  /** Present when `changeFeed.enabled`. */
  changeFeed?: ChangeFeedStatus;
  /** BullMQ job counts, in queue mode. */
  queue?: FlushQueueCounts;
  /** Present when answers are cached (`cache: true`). */
  cache?: CacheStatus;
}

/** See `OpenFgaStatus.cache`. */
export interface CacheStatus {
  /**
   * No answer is being cached: a `noeviction` Redis node uses `cacheMemoryLimit` of its `maxmemory` or more
   * (checks still answer, from OpenFGA; grants and revokes keep the room left).
   */
  paused: boolean;
  /** The fullest Redis node against its `maxmemory` at the last read (once a second); absent when no node has a limit. */
  redisMemory?: RedisMemory;
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
@Injectable()
export class OpenFgaService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('OpenFgaService');
  private shuttingDown = false;

  constructor(@Inject(OPENFGA_CORE) private readonly core: OpenFgaCore) {}

  /**
   * Records that `user` has `relation` on `object`, subject to `options.condition` when given (see the
   * README's Conditions section). Resolves once the operation is durable in Redis.
   */
  async grant(user: string, relation: string, object: string, options?: GrantOptions): Promise<ConsistencyToken> {
    const { condition } = validateGrantOptions(options);
    const ops: TupleOperation[] = [{ kind: 'grant', ...validateTuple({ user, relation, object, condition }, '', true) }];
    await this.checkInModel(ops, () => '');
    return this.record('grant', ops);
  }

  /** Records that `user` no longer has `relation` on `object`. Resolves once the operation is durable in Redis. */
  async revoke(user: string, relation: string, object: string): Promise<ConsistencyToken> {
    // A JavaScript caller may pass grant's options: refused, not ignored (a revoke deletes the tuple whatever its condition).
    // eslint-disable-next-line prefer-rest-params
    if (arguments.length > 3) throw new InvalidTupleError('condition', arguments[3], REVOKE_TAKES_NO_CONDITION);
    // Not checked against the model: OpenFGA deletes a tuple whatever the model says (see model/write-rules.ts).
    return this.record('revoke', [{ kind: 'revoke', ...validateTuple({ user, relation, object }) }]);
  }

  /**
   * Grants many tuples; one malformed tuple rejects the whole call and nothing is written.
   * The last op per tuple counts. Up to 1,000 tuples are buffered in one atomic step; a larger
   * call in several, in order (a crash can leave a prefix of whole steps buffered; a failure
   * part-way throws `IncompleteWriteError`). The token covers the whole call.
   */
  async grantMany(tuples: readonly ConditionalTuple[]): Promise<ConsistencyToken> {
    const ops = validateOperations('grant', tuples);
    await this.checkInModel(ops, (i) => `tuples[${i}].`);
    return this.record('grant', ops);
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
    return this.core.reads.check(validateTuple({ user, relation, object }), validateCheckOptions(options));
  }

  // ---- lists, read, expand and the SDK client (src/list) --------------------

  /**
   * The objects of `type` (`type:id`) on which `user` has `relation`, pending grants and revokes
   * included (read-your-writes, see the README's "Listing objects and users"). Never a partial
   * list: throws `ListUnavailableError` when no complete answer can be had in `checkTimeout`.
   */
  async listObjects(user: string, relation: string, type: string, options: ListOptions = {}): Promise<string[]> {
    return this.lists.resolver.list(listObjectsQuery(user, relation, type), validateListOptions(options));
  }

  /**
   * The users (`type:id`, `type:id#relation`, `type:*`) of the types in `userFilters` (`"user"`,
   * `"group#member"`) that have `relation` on `object`, pending grants and revokes included.
   * Throws `ListUnavailableError` as `listObjects`.
   */
  async listUsers(object: string, relation: string, userFilters: readonly string[], options: ListOptions = {}): Promise<string[]> {
    return this.lists.resolver.list(listUsersQuery(object, relation, userFilters), validateListOptions(options));
  }

  /** One page of the tuples stored in OpenFGA (configured store). Passthrough: it does not see the buffer. */
  async read(filter: ReadFilter = {}, options: ReadOptions = {}): Promise<ReadPage> {
    return readStored(this.lists.sdk, validateReadFilter(filter), validateReadOptions(options));
  }

  /** OpenFGA's Expand of `relation` on `object` (configured store and model). Passthrough: it does not see the buffer. */
  async expand(relation: string, object: string): Promise<ExpandResponse> {
    return expandStored(this.lists.sdk, validateRelation(relation), validateObject(object));
  }

  /** The @openfga/sdk client on the configured store, model and credentials. It does not see the buffer. */
  get sdkClient(): OpenFgaClient {
    return this.lists.sdk;
  }

  private get lists(): OpenFgaCore['lists'] {
    return this.core.lists;
  }

  /**
   * Many checks at once, answered in input order: one cache read for all of
   * them, then one OpenFGA BatchCheck for the misses (see the README's Batch
   * checks section). Each item may carry its own `context` and
   * `contextualTuples`. An item without a trustworthy answer has
   * `allowed: false` and `error` (a `CheckUnavailableError`): fail closed.
   * Invalid input rejects the whole call, naming the field (`checks[3].user`);
   * so does an invalid consistency token.
   */
  async batchCheck(checks: readonly BatchCheckItem[], options?: BatchCheckOptions): Promise<BatchCheckAnswer[]> {
    const valid = validateBatchCheck(checks, options);
    return this.core.batchReads.batchCheck(valid.items, valid.options);
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

  /**
   * Buffer backlog, in-flight and dead-letter counts, the last flush, the model the read path follows
   * (`model.invalidation` is `store-wide` when its graph is unavailable), the change feed's lag and
   * (queue mode) job counts.
   */
  async status(): Promise<OpenFgaStatus> {
    const { availability, buffer, changeFeed, options, queue, model } = this.core;
    // One bound for all of it: BullMQ's counts do not go through the module's Redis calls.
    const [counts, feed, jobs] = await availability.bound('status', () =>
      Promise.all([buffer.counts(), options.changeFeed.enabled ? changeFeed.status() : undefined, queue?.counts()]),
    );
    const admission = this.core.cache.admission;
    const cache: CacheStatus | undefined = admission
      ? { paused: !admission.admits, ...(admission.memory ? { redisMemory: admission.memory } : {}) }
      : undefined;
    return {
      ...counts,
      model: model.status(),
      ...(feed ? { changeFeed: feed } : {}),
      ...(jobs ? { queue: jobs } : {}),
      ...(cache ? { cache } : {}),
    };
  }

  /** Pending (not yet claimed) operations with their timestamps, oldest first. */
  getPendingOperations(limit?: number): Promise<BufferedOperation[]> {
    return this.core.buffer.pendingOperations(limit);
  }

  /** Writes what is pending to OpenFGA now. */
  flush(options?: FlushOptions): Promise<FlushResult> {
    return this.core.flusher.flush(options);
  }

  /**
   * What `clear()` would discard now (pending operations, and those waiting out a retry backoff after a
   * failed write) and what it leaves to finish (being written), counted in one atomic step, with the
   * buffer position of the count: `clear({ upTo: backlog.position })` discards what was counted and
   * never an operation buffered after it (ask, then clear what was asked about).
   */
  backlog(): Promise<BufferBacklog> {
    return this.core.buffer.backlog();
  }

  /**
   * Discards the operations buffered up to `upTo` (default: when it is called) that no flush is
   * writing: pending ones, and those waiting out a retry backoff after a failed write. Batches being
   * written are left to finish; operations buffered after `upTo` (or while it runs) are kept. Returns
   * how many were discarded.
   */
  async clear(options?: ClearOptions): Promise<number> {
    const discarded = await this.core.buffer.clear(options);
    this.logger.warn({
      message: 'Pending operations discarded',
      count: discarded,
      ...(options?.upTo !== undefined ? { upTo: options.upTo } : {}),
    });
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
    return this.core.buffer.retryDeadLetters(validateDeadLetterIds(ids));
  }

  /**
   * Deletes dead letters for good: exactly the given ids (one gone already is skipped), or all of them
   * when none are given (or `[]`), including any that arrived since you last listed them. Returns how many.
   */
  purgeDeadLetters(ids?: readonly string[]): Promise<number> {
    return this.core.buffer.purgeDeadLetters(validateDeadLetterIds(ids));
  }

  onApplicationBootstrap(): void {
    if (this.core.options.enabled && this.core.options.autoFlush) this.core.triggers.start();
    if (this.core.options.changeFeed.enabled) this.core.changeFeed.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.shuttingDown) return; // a second close() must not flush again
    this.shuttingDown = true;
    this.core.triggers.stop();
    // One shutdownTimeout for both steps: a poll under way can wait on a frozen Redis for as long as it stays frozen.
    const timeoutMs = secondsToMs(this.core.options.shutdownTimeout);
    const deadline = Date.now() + timeoutMs;
    await waitAtMost(this.core.changeFeed.stop(), timeoutMs);
    if (!this.core.options.enabled || !this.core.options.flushOnShutdown) return;
    try {
      const result = await this.core.flusher.flush({ timeoutMs: Math.max(0, deadline - Date.now()) });
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

  /**
   * Refuses what OpenFGA's Write would refuse by the model (model/write-rules.ts), against the model the
   * read path follows. Without one (not readable: `status().model.writesChecked` is false) writes keep
   * their syntax checks only and OpenFGA's refusal at flush dead-letters them. Following the latest
   * model, what it refuses may be allowed by a newer one: the model is read again once before refusing.
   */
  private async checkInModel(ops: readonly TupleOperation[], field: (i: number) => string): Promise<void> {
    const { model } = this.core;
    const check = () => {
      const graph = model.graph;
      if (graph) checkWritesInModel(ops, graph, field);
    };
    try {
      check();
    } catch (err) {
      if (!(err instanceof InvalidTupleError) || model.status().pinned) throw err;
      await model.refresh();
      check();
    }
  }

  private async record(kind: TupleOperationKind, ops: TupleOperation[]): Promise<ConsistencyToken> {
    if (ops.length === 0) throw new RangeError(`${kind}Many needs at least one tuple`);
    const { buffer, options, tokens } = this.core;
    if (!options.enabled) {
      // Write-through: no buffer; OpenFGA has the writes before the call resolves.
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
}
