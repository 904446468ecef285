import { DEFAULT_CONNECTION } from '../connection/connection-tokens';
import type { BufferedOperation, DeadLetter, DeadLetterRetry } from '../buffer/buffered-operation';
import type { BufferBacklog, ClearOptions } from '../buffer/write-buffer';
import { CheckUnavailableError } from '../check/check-unavailable.error';
import { ConsistencyTokens } from '../consistency/consistency-token';
import type { FlushOptions, FlushResult } from '../flush/flush-result';
import type {
  BatchCheckAnswer,
  BatchCheckItem,
  BatchCheckOptions,
  CheckOptions,
  ConsistencyToken,
  OpenFgaStatus,
} from '../openfga.service';
import { validateBatchCheck } from '../check/batch-check-items';
import { validateCheckOptions } from '../check/check-options';
import { OpenFgaEvents } from '../events/openfga-events';
import { tupleKey } from '../redis/redis-keys';
import type { ConditionalTuple, Tuple, TupleOperation, TupleOperationKind } from '../tuple/tuple';
import { GrantOptions, REVOKE_TAKES_NO_CONDITION, validateGrantOptions } from '../tuple/grant-options';
import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import { checkWritesInModel } from '../model/write-rules';
import { validateOperations, validateTuple } from '../tuple/validate-tuple';
import { FakeBuffer } from './fake/fake-buffer';
import { FakeCache } from './fake/fake-cache';
import { RelationGraph } from '../model/relation-graph';

/** The id the fake's relation graph carries (the fake has no store to give its model one). */
const FAKE_MODEL_ID = 'fake';
import { FakeFlusher } from './fake/fake-flusher';
import { FakeModel } from './fake/fake-model';
import { resolveFakeModel } from './fake/fake-model-source';
import { FakeReadPath } from './fake/fake-read-path';
import { FakeAssertions, RecordedCheck, RecordedOperation } from './fake/fake-assertions';
import { FakeTuples } from './fake/fake-tuples';
import type { CheckResolver, OpenFgaFakeOptions } from './openfga-fake-options.interface';
import type { OpenFgaServiceContract } from './openfga-service-contract';
import type { ExpandResponse, OpenFgaClient } from '@openfga/sdk';
import { FakeLists } from './fake/fake-lists';
import { validateListOptions, type ListOptions } from '../list/list-options';
import { describeQuery, listObjectsQuery, listUsersQuery, type ListQuery } from '../list/list-query';
import { ListUnavailableError } from '../list/list-errors';
import { validateReadFilter, validateReadOptions, type ReadFilter, type ReadOptions, type ReadPage } from '../list/passthrough';
import { validateObject, validateRelation } from '../tuple/validate-tuple';
import { OpenFgaFakeUnsupportedError } from './openfga-fake-unsupported.error';
import { validateDeadLetterIds } from '../buffer/dead-letter-ids';

/**
 * The store id behind the fake's consistency tokens and `OPENFGA_OPTIONS` (a valid ULID no real store has).
 *
 * @example
 * expect(moduleRef.get(OPENFGA_OPTIONS).storeId).toBe(FAKE_STORE_ID);
 */
export const FAKE_STORE_ID = '01FAKE0PENFGA000000000000Z';

/** The key prefix a fake's tokens (and its connection's options) name: one per connection. */
export function fakeTokenPrefix(connection: string): string {
  return connection === DEFAULT_CONNECTION ? 'openfga-fake' : `openfga-fake-${connection}`;
}

export type { RecordedCheck, RecordedOperation } from './fake/fake-assertions';

/**
 * An in-memory stand-in for `OpenFgaService`: same methods, same tuple
 * validation, same buffer positions, coalescing, read path, flush results,
 * dead-letter rules and events (held to the real service by the contract
 * suite in test/contract), no Redis and no OpenFGA. Operations stay pending
 * until `flush()` (or a check that flushes, as the real one does) moves them
 * to the fake's written tuples. With the `model` option, checks evaluate your
 * authorization model; without it, derived access is whatever you seed.
 *
 * @example
 * const fake = new OpenFgaFake();
 * await controller.share('doc-1', { userId: 'anne' });
 * fake.assertGranted('user:anne', 'viewer', 'document:doc-1');
 * fake.assertPending('user:anne', 'viewer', 'document:doc-1');
 */
export class OpenFgaFake extends FakeAssertions implements OpenFgaServiceContract {
  /**
   * The same event hub as the real service's: `enqueued`, `checked`,
   * `settled`, `flushed`, `deadLettered` and `cleared` are emitted, so code
   * that listens works under the fake.
   */
  readonly events = new OpenFgaEvents();
  private readonly fallback: CheckResolver;
  private readonly seededAllow: readonly Tuple[];
  private readonly model: FakeModel | undefined;
  private readonly buffer = new FakeBuffer();
  private readonly tuples = new FakeTuples();
  private readonly cache: FakeCache;
  /** The model's relation graph (which writes can change which answers), as the real service compiles it. */
  private readonly graph: RelationGraph | undefined;
  private readonly flusher: FakeFlusher;
  private readonly reads: FakeReadPath;
  private readonly tokens: ConsistencyTokens;
  private readonly answers = new Map<string, boolean>();
  private readonly rejections = new Map<string, string>();
  private readonly recordedOperations: RecordedOperation[] = [];
  private readonly recordedChecks: RecordedCheck[] = [];
  private unavailableReason: string | undefined;

  /**
   * @param connection The connection this fake stands in for (`OpenFgaTestingModule.forRoot({ name })`): its
   *   consistency tokens are its own, so another connection's fake refuses them as the real service does.
   */
  constructor(options: OpenFgaFakeOptions = {}, connection: string = DEFAULT_CONNECTION) {
    super();
    const { allow = false } = options;
    const model = options.model === undefined ? undefined : resolveFakeModel(options.model);
    if (typeof allow === 'function') {
      this.fallback = allow;
      this.seededAllow = [];
    } else if (typeof allow === 'boolean') {
      this.fallback = () => allow;
      this.seededAllow = [];
    } else {
      this.fallback = () => false;
      if (!Array.isArray(allow)) throw new TypeError('OpenFgaFake option "allow" must be a boolean, a list of tuples or a function');
      this.seededAllow = allow.map((t: unknown, i) => validateTuple(t, `allow[${i}].`));
    }
    this.model = model === undefined ? undefined : new FakeModel(model);
    this.graph =
      model === undefined
        ? undefined
        : RelationGraph.compile({ id: FAKE_MODEL_ID, type_definitions: model.type_definitions, conditions: model.conditions });
    this.cache = new FakeCache(this.graph);
    this.flusher = new FakeFlusher(this.buffer, this.tuples, this.cache, this.events, {
      reject: (op) => this.writeRejection(op),
      // A flushed operation replaces what was seeded for its tuple.
      settled: (op) => this.answers.delete(op.key),
    });
    const tokens = new ConsistencyTokens(fakeTokenPrefix(connection), FAKE_STORE_ID);
    this.reads = new FakeReadPath(
      this.buffer,
      this.tuples,
      this.flusher,
      this.cache,
      this.events,
      tokens,
      {
        seeded: (t) => this.answers.get(tupleKey(t)),
        fallback: (t) => this.fallback(t) === true,
        rejects: (t) => this.writeRejection({ kind: 'grant', ...t }),
      },
      this.model,
      this.graph,
    );
    this.tokens = tokens;
    this.lists = new FakeLists(this.buffer, this.tuples, this.flusher, tokens, this.model, this.graph, (t) =>
      this.writeRejection({ kind: 'grant', ...t }),
    );
    this.reset();
  }

  // ---- OpenFgaService ------------------------------------------------------

  /** Records a grant (pending until `flush()`), after validating it like the real service. */
  async grant(user: string, relation: string, object: string, options?: GrantOptions): Promise<ConsistencyToken> {
    const { condition } = validateGrantOptions(options);
    const ops: TupleOperation[] = [{ kind: 'grant', ...validateTuple({ user, relation, object, condition }, '', true) }];
    if (this.graph) checkWritesInModel(ops, this.graph, () => '');
    return this.record('grant', ops);
  }

  /** Records a revoke (pending until `flush()`), after validating it like the real service. */
  async revoke(user: string, relation: string, object: string): Promise<ConsistencyToken> {
    // eslint-disable-next-line prefer-rest-params
    if (arguments.length > 3) throw new InvalidTupleError('condition', arguments[3], REVOKE_TAKES_NO_CONDITION);
    return this.record('revoke', [{ kind: 'revoke', ...validateTuple({ user, relation, object }) }]);
  }

  /** Records many grants; one malformed tuple rejects the call and nothing is recorded. */
  async grantMany(tuples: readonly ConditionalTuple[]): Promise<ConsistencyToken> {
    const ops = validateOperations('grant', tuples);
    if (this.graph) checkWritesInModel(ops, this.graph, (i) => `tuples[${i}].`);
    return this.record('grant', ops);
  }

  /** Records many revokes; one malformed tuple rejects the call and nothing is recorded. */
  async revokeMany(tuples: readonly Tuple[]): Promise<ConsistencyToken> {
    return this.record('revoke', validateOperations('revoke', tuples));
  }

  /**
   * Answers as the real read path does (see `FakeReadPath`): seeds, the
   * model or the fake's rules, pending grants included; fresh levels and a
   * pending revoke flush first. Throws `CheckUnavailableError` while
   * `simulateUnavailable()` is on.
   */
  async check(user: string, relation: string, object: string, options: CheckOptions = {}): Promise<boolean> {
    return this.checkValid(validateTuple({ user, relation, object }), validateCheckOptions(options));
  }

  /**
   * Each item as `check` answers it, in input order; an item without an
   * answer has `allowed: false` and its `CheckUnavailableError` (as the real
   * one). Invalid input or a bad token rejects the whole call.
   */
  async batchCheck(checks: readonly BatchCheckItem[], options?: BatchCheckOptions): Promise<BatchCheckAnswer[]> {
    const valid = validateBatchCheck(checks, options);
    // A bad token rejects the whole call before any item is asked (and reported), as the real one does.
    if (this.unavailableReason === undefined) this.reads.freshnessTarget(valid.options);
    const answers: BatchCheckAnswer[] = [];
    for (const { item, tuple, extras } of valid.items) {
      const itemOptions: CheckOptions = {
        ...valid.options,
        ...(extras.context ? { context: extras.context } : {}),
        ...(extras.tuples.length ? { contextualTuples: extras.tuples } : {}),
      };
      try {
        answers.push({ ...item, allowed: await this.checkValid(tuple, itemOptions) });
      } catch (err) {
        if (!(err instanceof CheckUnavailableError)) throw err;
        answers.push({ ...item, allowed: false, error: err });
      }
    }
    return answers;
  }

  private async checkValid(t: Tuple, options: CheckOptions): Promise<boolean> {
    const entry: RecordedCheck = { ...t, options: { ...options }, allowed: undefined };
    if (this.unavailableReason !== undefined) {
      this.recordedChecks.push(entry);
      this.events.emit('checked', {
        source: 'error',
        allowed: false,
        durationMs: 0,
        consistency: options.consistency ?? 'minimize-latency',
      });
      throw new CheckUnavailableError(t, this.unavailableReason);
    }
    try {
      entry.allowed = await this.reads.check(t, options);
    } catch (err) {
      // A bad token is the caller's mistake, not a check that happened.
      if (err instanceof CheckUnavailableError) this.recordedChecks.push(entry);
      throw err;
    }
    this.recordedChecks.push(entry);
    return entry.allowed;
  }

  /** Pending counts, dead letters and the last flush, shaped like the real `status()` (nothing is ever in flight). */
  async status(): Promise<OpenFgaStatus> {
    const pending = this.buffer.list();
    const writes = pending.filter((op) => op.kind === 'grant').length;
    const oldest = pending.length === 0 ? undefined : Math.min(...pending.map((op) => op.enqueuedAt));
    return {
      pending: { writes, deletes: pending.length - writes, total: pending.length },
      inFlight: 0,
      deadLettered: this.flusher.deadCount,
      oldestAgeMs: oldest === undefined ? null : Math.max(0, Date.now() - oldest),
      lastFlush: this.flusher.lastFlush,
      // With a model the fake answers by it (as the real service follows the latest model's graph); without one it has none.
      model: this.graph
        ? { modelId: null, pinned: false, invalidation: 'scoped', writesChecked: true }
        : { modelId: null, pinned: false, invalidation: 'store-wide', reason: 'no model given to the fake', writesChecked: false },
      // No Redis: the fake's cache never runs out of room.
      cache: { paused: false },
    };
  }

  /** Pending operations, oldest first (the latest per tuple: operations on one tuple coalesce, as in the buffer). */
  async getPendingOperations(limit = 1000): Promise<BufferedOperation[]> {
    return this.buffer
      .list()
      .slice(0, Math.max(0, limit))
      .map((op) => ({ ...op }));
  }

  /** Moves every pending operation to the written tuples, or the dead letters (`rejectOnFlush`, or what the `model` rejects). */
  flush(options: FlushOptions = {}): Promise<FlushResult> {
    return this.flusher.flush(options);
  }

  /** Pending counts and the latest position, shaped like the real `backlog()` (nothing is ever in flight or waiting to retry). */
  async backlog(): Promise<BufferBacklog> {
    const pending = this.buffer.list();
    const writes = pending.filter((op) => op.kind === 'grant').length;
    return {
      pending: { writes, deletes: pending.length - writes, total: pending.length },
      retrying: 0,
      writing: 0,
      position: this.buffer.latest,
    };
  }

  /** Discards pending operations (those up to `upTo`, as the real one); returns how many. */
  async clear(options?: ClearOptions): Promise<number> {
    const discarded = this.buffer.clear(options?.upTo);
    // Discarded grants may have counted in cached "allowed" answers.
    if (discarded > 0) this.cache.dropAllowed();
    this.events.emit('cleared', { count: discarded });
    return discarded;
  }

  /** Operations `flush()` dead-lettered, oldest operation first. */
  async getDeadLetters(): Promise<DeadLetter[]> {
    return this.flusher.deadLetters();
  }

  /**
   * Returns dead letters (all, or by id) to pending, as the real service does:
   * newest first, each unless a newer op on its tuple (pending, or settled by
   * a flush since) supersedes it; superseded ones are dropped and named.
   */
  async retryDeadLetters(ids?: readonly string[]): Promise<DeadLetterRetry> {
    return this.flusher.retry(validateDeadLetterIds(ids));
  }

  /** Deletes dead letters (all, or by id); returns how many. */
  async purgeDeadLetters(ids?: readonly string[]): Promise<number> {
    return this.flusher.purge(validateDeadLetterIds(ids));
  }

  // ---- lists and read (see FakeLists) -------------------------------------

  /** As the real one, by the `model` option over written and pending tuples (seeds apply to `check` only). */
  async listObjects(user: string, relation: string, type: string, options: ListOptions = {}): Promise<string[]> {
    return this.listed(listObjectsQuery(user, relation, type), validateListOptions(options));
  }

  /** As the real one, by the `model` option; candidates are the users the fake's tuples name (wildcards as `type:*`). */
  async listUsers(object: string, relation: string, userFilters: readonly string[], options: ListOptions = {}): Promise<string[]> {
    return this.listed(listUsersQuery(object, relation, userFilters), validateListOptions(options));
  }

  /** One page of the written tuples (as the real `read`, never the pending ones). */
  async read(filter: ReadFilter = {}, options: ReadOptions = {}): Promise<ReadPage> {
    return this.lists.read(validateReadFilter(filter), validateReadOptions(options));
  }

  /** Not supported by the fake (throws `OpenFgaFakeUnsupportedError`), after validating like the real one. */
  async expand(relation: string, object: string): Promise<ExpandResponse> {
    validateRelation(relation);
    validateObject(object);
    throw new OpenFgaFakeUnsupportedError('expand');
  }

  /** Not supported by the fake (throws `OpenFgaFakeUnsupportedError`): there is no OpenFGA behind it. */
  get sdkClient(): OpenFgaClient {
    throw new OpenFgaFakeUnsupportedError('sdkClient');
  }

  private readonly lists: FakeLists;

  /** A validated query, failed closed while `simulateUnavailable()` is on. */
  private async listed(q: ListQuery, options: ListOptions): Promise<string[]> {
    if (this.unavailableReason !== undefined) throw new ListUnavailableError(describeQuery(q), this.unavailableReason);
    return this.lists.list(q, options);
  }

  // ---- seeding -------------------------------------------------------------

  /**
   * Makes `check` answer true for this exact tuple (until an operation on it overrides that).
   *
   * @example
   * fake.allow('user:anne', 'viewer', 'document:1');
   */
  allow(user: string, relation: string, object: string): this {
    this.answers.set(tupleKey(validateTuple({ user, relation, object })), true);
    this.cache.reset(); // a seed is a change made outside the module: no cached answer survives it
    return this;
  }

  /**
   * Makes `check` answer false for this exact tuple (until an operation on it overrides that).
   *
   * @example
   * fake.deny('user:anne', 'editor', 'document:1');
   */
  deny(user: string, relation: string, object: string): this {
    this.answers.set(tupleKey(validateTuple({ user, relation, object })), false);
    this.cache.reset(); // a seed is a change made outside the module: no cached answer survives it
    return this;
  }

  /**
   * Makes `flush()` dead-letter operations on this tuple with `reason`, as
   * OpenFGA does with a tuple its model rejects.
   *
   * @example
   * fake.rejectOnFlush('user:anne', 'viewer', 'document:1', 'type "document" has no relation "viewer"');
   */
  rejectOnFlush(user: string, relation: string, object: string, reason = 'rejected by OpenFgaFake'): this {
    this.rejections.set(tupleKey(validateTuple({ user, relation, object })), reason);
    return this;
  }

  /**
   * While on, `check` throws `CheckUnavailableError` and `listObjects`/`listUsers`
   * throw `ListUnavailableError` (as the real ones do when Redis or OpenFGA is
   * down), so fail-closed paths can be tested.
   *
   * @example
   * fake.simulateUnavailable();
   * await expect(controller.read('doc-1', 'anne')).rejects.toThrow(ForbiddenException);
   * fake.simulateUnavailable(false);
   */
  simulateUnavailable(on = true, reason = 'simulated outage (OpenFgaFake)'): this {
    this.unavailableReason = on ? reason : undefined;
    return this;
  }

  /**
   * Forgets everything (operations, checks, seeds, written tuples, dead
   * letters) and returns to the constructor's options.
   *
   * @example
   * afterEach(() => fake.reset());
   */
  reset(): this {
    this.buffer.reset();
    this.tuples.clear();
    this.flusher.reset();
    this.cache.reset();
    this.answers.clear();
    this.rejections.clear();
    this.recordedOperations.length = 0;
    this.recordedChecks.length = 0;
    this.unavailableReason = undefined;
    for (const t of this.seededAllow) this.answers.set(tupleKey(t), true);
    return this;
  }

  // ---- inspection ----------------------------------------------------------

  /**
   * Every grant/revoke accepted so far, in call order.
   *
   * @example
   * expect(fake.operations.map((o) => o.kind)).toEqual(['grant', 'revoke']);
   */
  get operations(): readonly RecordedOperation[] {
    return this.recordedOperations.map((o) => ({ ...o }));
  }

  /**
   * Every check answered so far, in call order.
   *
   * @example
   * expect(fake.checks).toHaveLength(1);
   */
  get checks(): readonly RecordedCheck[] {
    return this.recordedChecks.map((c) => ({ ...c, options: { ...c.options } }));
  }

  /**
   * The tuples `flush()` has written (and not revoked since).
   *
   * @example
   * await fake.flush();
   * expect(fake.writtenTuples).toContainEqual({ user: 'user:anne', relation: 'viewer', object: 'document:1' });
   */
  get writtenTuples(): readonly Tuple[] {
    return this.tuples.all();
  }

  // ---- internals -----------------------------------------------------------

  private record(kind: TupleOperationKind, ops: TupleOperation[]): ConsistencyToken {
    if (ops.length === 0) throw new RangeError(`${kind}Many needs at least one tuple`);
    const seq = this.buffer.enqueue(ops);
    this.cache.written(ops);
    const token = this.tokens.encode(seq);
    for (const op of ops) {
      this.recordedOperations.push({
        kind: op.kind,
        user: op.user,
        relation: op.relation,
        object: op.object,
        ...(op.condition ? { condition: op.condition } : {}),
        token,
      });
    }
    this.events.emit('enqueued', { operations: ops, seq, durationMs: 0 });
    return token;
  }

  /** Why a flush dead-letters this operation: `rejectOnFlush`, else (grants only: OpenFGA deletes any tuple) the model. */
  private writeRejection(op: TupleOperation): string | undefined {
    const seeded = this.rejections.get(tupleKey(op));
    if (seeded !== undefined) return seeded;
    return op.kind === 'grant' ? this.model?.rejectWrite(op) : undefined;
  }

  protected recordedOperationList(): readonly RecordedOperation[] {
    return this.recordedOperations;
  }

  protected recordedCheckList(): readonly RecordedCheck[] {
    return this.recordedChecks;
  }

  protected pendingOperation(key: string): BufferedOperation | undefined {
    return this.buffer.get(key);
  }

  protected pendingList(): BufferedOperation[] {
    return this.buffer.list();
  }

  protected isWritten(t: Tuple): boolean {
    return this.tuples.has(t);
  }

  protected writtenList(): Tuple[] {
    return this.tuples.all();
  }
}
