import type { BufferedOperation, DeadLetter, DeadLetterRetry } from '../buffer/buffered-operation';
import { CheckUnavailableError } from '../check/check-unavailable.error';
import { ConsistencyTokens, InvalidConsistencyTokenError } from '../consistency/consistency-token';
import type { FlushOptions, FlushResult } from '../flush/flush-result';
import type { CheckOptions, ConsistencyToken, OpenFgaStatus } from '../openfga.service';
import { OpenFgaEvents } from '../observability/openfga-events';
import { tupleKey } from '../redis/redis-keys';
import type { Tuple, TupleOperation, TupleOperationKind } from '../tuple/tuple';
import { validateOperations, validateTuple } from '../tuple/validate-tuple';
import { OpenFgaAssertionError } from './openfga-assertion.error';
import type { CheckResolver, OpenFgaFakeOptions } from './openfga-fake-options.interface';
import type { OpenFgaServiceContract } from './openfga-service-contract';

/**
 * The store id behind the fake's consistency tokens and `OPENFGA_OPTIONS` (a valid ULID no real store has).
 *
 * @example
 * expect(moduleRef.get(OPENFGA_OPTIONS).storeId).toBe(FAKE_STORE_ID);
 */
export const FAKE_STORE_ID = '01FAKE0PENFGA000000000000Z';

/**
 * One `grant`/`revoke` the fake accepted (batch calls record one per tuple).
 *
 * @example
 * expect(fake.operations).toEqual([expect.objectContaining({ kind: 'grant', user: 'user:anne' })]);
 */
export interface RecordedOperation extends TupleOperation {
  /** The consistency token the call returned. */
  token: ConsistencyToken;
}

/**
 * One `check` the fake answered (or failed, while `simulateUnavailable` is on).
 *
 * @example
 * expect(fake.checks[0]).toMatchObject({ relation: 'viewer', allowed: true });
 */
export interface RecordedCheck extends Tuple {
  options: CheckOptions;
  /** The answer, or undefined when the check threw `CheckUnavailableError`. */
  allowed: boolean | undefined;
}

/**
 * An in-memory stand-in for `OpenFgaService`: same methods, same tuple
 * validation (so a test cannot pass with input the real service rejects),
 * no Redis and no OpenFGA. Operations stay pending until `flush()` moves them
 * to the fake's written state; `check` answers from pending operations, then
 * `allow`/`deny` seeds, then written tuples, then the `allow` option.
 * It knows no authorization model: derived access (editor ⇒ viewer, groups,
 * `user:*`) is whatever you seed.
 *
 * @example
 * const fake = new OpenFgaFake();
 * await controller.share('doc-1', { userId: 'anne' });
 * fake.assertGranted('user:anne', 'viewer', 'document:doc-1');
 * fake.assertPending('user:anne', 'viewer', 'document:doc-1');
 */
export class OpenFgaFake implements OpenFgaServiceContract {
  /**
   * The same event hub as the real service's: `enqueued`, `checked` (source
   * `openfga`, or `error` while unavailable), `flushed`, `deadLettered` and
   * `cleared` are emitted, so code that listens works under the fake.
   */
  readonly events = new OpenFgaEvents();
  private readonly tokens = new ConsistencyTokens('openfga-fake', FAKE_STORE_ID);
  private readonly fallback: CheckResolver;
  private readonly seededAllow: readonly Tuple[];
  private seq = 0;
  private deadSeq = 0;
  private readonly pending = new Map<string, BufferedOperation>();
  private readonly written = new Map<string, Tuple>();
  /** Per tuple, the position of the newest op `flush()` settled (written or dead-lettered): a retried dead letter older than it is superseded. */
  private readonly settledSeq = new Map<string, number>();
  private readonly answers = new Map<string, boolean>();
  private readonly rejections = new Map<string, string>();
  private readonly dead = new Map<string, DeadLetter>();
  private readonly recordedOperations: RecordedOperation[] = [];
  private readonly recordedChecks: RecordedCheck[] = [];
  private lastFlush: (FlushResult & { at: string }) | null = null;
  private unavailableReason: string | undefined;

  constructor(options: OpenFgaFakeOptions = {}) {
    const { allow = false } = options;
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
    this.reset();
  }

  // ---- OpenFgaService ------------------------------------------------------

  /** Records a grant (pending until `flush()`), after validating it like the real service. */
  async grant(user: string, relation: string, object: string): Promise<ConsistencyToken> {
    return this.record('grant', [{ kind: 'grant', ...validateTuple({ user, relation, object }) }]);
  }

  /** Records a revoke (pending until `flush()`), after validating it like the real service. */
  async revoke(user: string, relation: string, object: string): Promise<ConsistencyToken> {
    return this.record('revoke', [{ kind: 'revoke', ...validateTuple({ user, relation, object }) }]);
  }

  /** Records many grants; one malformed tuple rejects the call and nothing is recorded. */
  async grantMany(tuples: readonly Tuple[]): Promise<ConsistencyToken> {
    return this.record('grant', validateOperations('grant', tuples));
  }

  /** Records many revokes; one malformed tuple rejects the call and nothing is recorded. */
  async revokeMany(tuples: readonly Tuple[]): Promise<ConsistencyToken> {
    return this.record('revoke', validateOperations('revoke', tuples));
  }

  /**
   * Answers from a pending operation on the exact tuple, then `allow`/`deny`
   * seeds, then written tuples, then the `allow` option. `at-least-as-fresh`
   * and `strong` flush first, as the real service does. Throws
   * `CheckUnavailableError` while `simulateUnavailable()` is on.
   */
  async check(user: string, relation: string, object: string, options: CheckOptions = {}): Promise<boolean> {
    const t = validateTuple({ user, relation, object });
    const freshAt = this.freshnessTarget(options);
    const entry: RecordedCheck = { ...t, options: { ...options }, allowed: undefined };
    const consistency = options.consistency ?? 'minimize-latency';
    if (this.unavailableReason !== undefined) {
      this.recordedChecks.push(entry);
      this.events.emit('checked', { source: 'error', allowed: false, durationMs: 0, consistency });
      throw new CheckUnavailableError(t, this.unavailableReason);
    }
    const key = tupleKey(t);
    if (freshAt !== undefined && !this.pending.has(key) && [...this.pending.values()].some((op) => op.seq <= freshAt)) {
      await this.flush();
    }
    entry.allowed = this.answer(t);
    this.recordedChecks.push(entry);
    this.events.emit('checked', { source: 'openfga', allowed: entry.allowed, durationMs: 0, consistency });
    return entry.allowed;
  }

  /** Pending counts, dead letters and the last flush, shaped like the real `status()` (nothing is ever in flight). */
  async status(): Promise<OpenFgaStatus> {
    let writes = 0;
    let oldest: number | undefined;
    for (const op of this.pending.values()) {
      if (op.kind === 'grant') writes++;
      oldest = oldest === undefined ? op.enqueuedAt : Math.min(oldest, op.enqueuedAt);
    }
    return {
      pending: { writes, deletes: this.pending.size - writes, total: this.pending.size },
      inFlight: 0,
      deadLettered: this.dead.size,
      oldestAgeMs: oldest === undefined ? null : Math.max(0, Date.now() - oldest),
      lastFlush: this.lastFlush === null ? null : { ...this.lastFlush },
    };
  }

  /** Pending operations, oldest first (the latest per tuple: operations on one tuple coalesce, as in the buffer). */
  async getPendingOperations(limit?: number): Promise<BufferedOperation[]> {
    const ops = this.pendingList().map((op) => ({ ...op }));
    return limit === undefined ? ops : ops.slice(0, Math.max(0, limit));
  }

  /** Moves every pending operation into the written state (or the dead letters, for tuples given to `rejectOnFlush`). */
  async flush(options: FlushOptions = {}): Promise<FlushResult> {
    const started = Date.now();
    const result: FlushResult = { writes: 0, deletes: 0, failed: 0, deadLettered: 0, durationMs: 0 };
    const ops = this.pendingList();
    this.pending.clear();
    const dead: { operation: BufferedOperation; reason: string }[] = [];
    for (const op of ops) {
      this.settledSeq.set(op.key, op.seq);
      const reason = this.rejections.get(op.key);
      if (reason !== undefined) {
        const { attempts, ...operation } = op;
        const id = `fake-dead-${++this.deadSeq}`;
        this.dead.set(id, { id, operation, attempts: attempts + 1, reason, deadAt: Date.now() });
        dead.push({ operation: { ...op, attempts: attempts + 1 }, reason });
        result.deadLettered++;
        continue;
      }
      this.answers.delete(op.key);
      if (op.kind === 'grant') {
        this.written.set(op.key, { user: op.user, relation: op.relation, object: op.object });
        result.writes++;
      } else {
        this.written.delete(op.key);
        result.deletes++;
      }
    }
    result.durationMs = Date.now() - started;
    if (ops.length > 0) options.onProgress?.({ ...result });
    this.lastFlush = { ...result, at: new Date().toISOString() };
    if (dead.length > 0) this.events.emit('deadLettered', { operations: dead });
    if (ops.length > 0) this.events.emit('flushed', { ...result, mode: 'inline' });
    return result;
  }

  /** Discards pending operations; returns how many. */
  async clear(): Promise<number> {
    const discarded = this.pending.size;
    this.pending.clear();
    this.events.emit('cleared', { count: discarded });
    return discarded;
  }

  /** Operations `flush()` dead-lettered (see `rejectOnFlush`). */
  async getDeadLetters(): Promise<DeadLetter[]> {
    return [...this.dead.values()].map((d) => ({ ...d, operation: { ...d.operation } }));
  }

  /**
   * Returns dead letters (all, or by id) to pending, as the real service does:
   * newest first, each unless a newer op on its tuple (pending, or settled by
   * a flush since) supersedes it; superseded ones are dropped and named.
   */
  async retryDeadLetters(ids?: readonly string[]): Promise<DeadLetterRetry> {
    let requeued = 0;
    const superseded: DeadLetter[] = [];
    const letters = this.selectDead(ids).sort((a, b) => b.operation.seq - a.operation.seq);
    for (const letter of letters) {
      const { key, seq } = letter.operation;
      this.dead.delete(letter.id);
      if (this.pending.has(key) || (this.settledSeq.get(key) ?? 0) > seq) {
        superseded.push(letter);
      } else {
        // A new position, as the real buffer appends it anew.
        this.pending.set(key, { ...letter.operation, seq: ++this.seq, enqueuedAt: Date.now(), attempts: 0 });
        requeued++;
      }
    }
    superseded.sort((a, b) => a.operation.seq - b.operation.seq);
    return { requeued, superseded: superseded.length, supersededIds: superseded.map((l) => l.id) };
  }

  /** Deletes dead letters (all, or by id); returns how many. */
  async purgeDeadLetters(ids?: readonly string[]): Promise<number> {
    const selected = this.selectDead(ids);
    for (const letter of selected) this.dead.delete(letter.id);
    return selected.length;
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
   * While on, `check` throws `CheckUnavailableError` (as the real one does
   * when Redis or OpenFGA is down), so fail-closed paths can be tested.
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
    this.seq = 0;
    this.deadSeq = 0;
    this.pending.clear();
    this.written.clear();
    this.settledSeq.clear();
    this.answers.clear();
    this.rejections.clear();
    this.dead.clear();
    this.recordedOperations.length = 0;
    this.recordedChecks.length = 0;
    this.lastFlush = null;
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
    return [...this.written.values()].map((t) => ({ ...t }));
  }

  // ---- assertions ----------------------------------------------------------

  /**
   * Passes when a grant of this tuple was recorded (pending or flushed, even if revoked later).
   *
   * @example
   * fake.assertGranted('user:anne', 'viewer', 'document:1');
   */
  assertGranted(user: string, relation: string, object: string): void {
    this.assertOperation('grant', { user, relation, object }, true);
  }

  /**
   * Passes when no grant of this tuple was recorded.
   *
   * @example
   * fake.assertNotGranted('user:bob', 'viewer', 'document:1');
   */
  assertNotGranted(user: string, relation: string, object: string): void {
    this.assertOperation('grant', { user, relation, object }, false);
  }

  /**
   * Passes when a revoke of this tuple was recorded (pending or flushed).
   *
   * @example
   * fake.assertRevoked('user:anne', 'viewer', 'document:1');
   */
  assertRevoked(user: string, relation: string, object: string): void {
    this.assertOperation('revoke', { user, relation, object }, true);
  }

  /**
   * Passes when no revoke of this tuple was recorded.
   *
   * @example
   * fake.assertNotRevoked('user:anne', 'viewer', 'document:1');
   */
  assertNotRevoked(user: string, relation: string, object: string): void {
    this.assertOperation('revoke', { user, relation, object }, false);
  }

  /**
   * Passes when no grant or revoke was recorded at all.
   *
   * @example
   * fake.assertNothingRecorded();
   */
  assertNothingRecorded(): void {
    if (this.recordedOperations.length > 0) {
      this.fail('Expected no grant or revoke to be recorded, but some were.', this.describeOperations());
    }
  }

  /**
   * Passes when an operation on this tuple is pending (not flushed yet); with
   * `kind`, only when the pending operation is of that kind.
   *
   * @example
   * fake.assertPending('user:anne', 'viewer', 'document:1', 'grant');
   */
  assertPending(user: string, relation: string, object: string, kind?: TupleOperationKind): void {
    const op = this.pending.get(tupleKey({ user, relation, object }));
    if (op && (kind === undefined || op.kind === kind)) return;
    this.fail(
      `Expected ${kind ? `a pending ${kind}` : 'a pending operation'} on ${show({ user, relation, object })}.`,
      this.describePending(),
    );
  }

  /**
   * Passes when no operation on this tuple is pending.
   *
   * @example
   * fake.assertNotPending('user:anne', 'viewer', 'document:1');
   */
  assertNotPending(user: string, relation: string, object: string): void {
    if (!this.pending.has(tupleKey({ user, relation, object }))) return;
    this.fail(`Expected no pending operation on ${show({ user, relation, object })}.`, this.describePending());
  }

  /**
   * Passes when nothing is pending (everything was flushed or cleared, or nothing was recorded).
   *
   * @example
   * await fake.flush();
   * fake.assertNothingPending();
   */
  assertNothingPending(): void {
    if (this.pending.size > 0) this.fail('Expected nothing pending.', this.describePending());
  }

  /**
   * Passes when `flush()` wrote this tuple (and no later flushed revoke removed it).
   *
   * @example
   * await fake.flush();
   * fake.assertWritten('user:anne', 'viewer', 'document:1');
   */
  assertWritten(user: string, relation: string, object: string): void {
    if (this.written.has(tupleKey({ user, relation, object }))) return;
    this.fail(`Expected ${show({ user, relation, object })} to be written.`, this.describeWritten());
  }

  /**
   * Passes when this tuple is not in the written state.
   *
   * @example
   * fake.assertNotWritten('user:anne', 'viewer', 'document:1');
   */
  assertNotWritten(user: string, relation: string, object: string): void {
    if (!this.written.has(tupleKey({ user, relation, object }))) return;
    this.fail(`Expected ${show({ user, relation, object })} not to be written.`, this.describeWritten());
  }

  /**
   * Passes when this tuple was checked; with `allowed`, only when a check of it got that answer.
   *
   * @example
   * fake.assertChecked('user:anne', 'viewer', 'document:1');
   * fake.assertChecked('user:bob', 'viewer', 'document:1', { allowed: false });
   */
  assertChecked(user: string, relation: string, object: string, expected: { allowed?: boolean } = {}): void {
    const key = tupleKey({ user, relation, object });
    const hit = this.recordedChecks.some((c) => tupleKey(c) === key && (expected.allowed === undefined || c.allowed === expected.allowed));
    if (hit) return;
    const answer = expected.allowed === undefined ? '' : ` answered ${expected.allowed ? 'allowed' : 'denied'}`;
    this.fail(`Expected a check of ${show({ user, relation, object })}${answer}.`, this.describeChecks());
  }

  /**
   * Passes when this tuple was never checked.
   *
   * @example
   * fake.assertNotChecked('user:anne', 'owner', 'document:1');
   */
  assertNotChecked(user: string, relation: string, object: string): void {
    const key = tupleKey({ user, relation, object });
    if (!this.recordedChecks.some((c) => tupleKey(c) === key)) return;
    this.fail(`Expected no check of ${show({ user, relation, object })}.`, this.describeChecks());
  }

  // ---- internals -----------------------------------------------------------

  private record(kind: TupleOperationKind, ops: TupleOperation[]): ConsistencyToken {
    if (ops.length === 0) throw new RangeError(`${kind}Many needs at least one tuple`);
    const now = Date.now();
    let token = '';
    for (const op of ops) {
      const seq = ++this.seq;
      const key = tupleKey(op);
      token = this.tokens.encode(seq);
      // Last operation wins per tuple, as in the buffer: re-inserted so the map stays in seq order.
      this.pending.delete(key);
      this.pending.set(key, {
        kind: op.kind,
        user: op.user,
        relation: op.relation,
        object: op.object,
        key,
        seq,
        enqueuedAt: now,
        attempts: 0,
      });
    }
    for (const op of ops) {
      this.recordedOperations.push({ kind: op.kind, user: op.user, relation: op.relation, object: op.object, token });
    }
    this.events.emit('enqueued', { operations: ops, seq: this.seq, durationMs: 0 });
    return token;
  }

  /** Mirrors the real service: bad consistency options throw before anything else happens. */
  private freshnessTarget({ consistency = 'minimize-latency', token }: CheckOptions): number | undefined {
    switch (consistency) {
      case 'minimize-latency':
        return undefined;
      case 'at-least-as-fresh':
        return this.tokens.decode(token);
      case 'strong':
        return this.seq;
      default:
        throw new InvalidConsistencyTokenError(consistency, 'consistency must be "minimize-latency", "at-least-as-fresh" or "strong"');
    }
  }

  private answer(t: Tuple): boolean {
    const key = tupleKey(t);
    const op = this.pending.get(key);
    if (op) return op.kind === 'grant';
    const seeded = this.answers.get(key);
    if (seeded !== undefined) return seeded;
    if (this.written.has(key)) return true;
    return this.fallback({ ...t }) === true;
  }

  private pendingList(): BufferedOperation[] {
    return [...this.pending.values()].sort((a, b) => a.seq - b.seq);
  }

  private selectDead(ids?: readonly string[]): DeadLetter[] {
    const all = [...this.dead.values()];
    if (ids === undefined) return all;
    const wanted = new Set(ids);
    return all.filter((d) => wanted.has(d.id));
  }

  private assertOperation(kind: TupleOperationKind, t: Tuple, expected: boolean): void {
    const key = tupleKey(t);
    const found = this.recordedOperations.some((o) => o.kind === kind && tupleKey(o) === key);
    if (found === expected) return;
    this.fail(
      expected
        ? `Expected a ${kind} of ${show(t)} to be recorded, but none was.`
        : `Expected no ${kind} of ${show(t)}, but one was recorded.`,
      this.describeOperations(),
    );
  }

  private fail(expectation: string, recorded: string): never {
    throw new OpenFgaAssertionError(`${expectation}\n${recorded}`);
  }

  private describeOperations(): string {
    return list(
      'Recorded operations',
      this.recordedOperations.map((o) => `${o.kind.padEnd(6)} ${show(o)}`),
    );
  }

  private describePending(): string {
    return list(
      'Pending operations',
      this.pendingList().map((o) => `${o.kind.padEnd(6)} ${show(o)}`),
    );
  }

  private describeWritten(): string {
    return list('Written tuples', [...this.written.values()].map(show));
  }

  private describeChecks(): string {
    return list(
      'Recorded checks',
      this.recordedChecks.map((c) => `${show(c)} -> ${c.allowed === undefined ? 'unavailable' : c.allowed ? 'allowed' : 'denied'}`),
    );
  }
}

function show(t: Tuple): string {
  return `${t.user} ${t.relation} ${t.object}`;
}

function list(title: string, lines: string[]): string {
  if (lines.length === 0) return `${title}: (none)`;
  return `${title} (${lines.length}):\n${lines.map((l) => `  - ${l}`).join('\n')}`;
}
