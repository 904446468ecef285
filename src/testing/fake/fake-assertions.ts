import type { BufferedOperation } from '../../buffer/buffered-operation';
import type { CheckOptions, ConsistencyToken } from '../../check/check-options';
import { tupleKey } from '../../redis/redis-keys';
import type { Tuple, TupleOperation, TupleOperationKind } from '../../tuple/tuple';
import { validateTuple } from '../../tuple/validate-tuple';
import { describeChecks, describeOperations, describePending, describeWritten, fail, show } from './fake-report';

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
 * The fake's `assert*` methods, over what the fake recorded; `OpenFgaFake`
 * provides the records. Each failure throws `OpenFgaAssertionError` listing them.
 */
export abstract class FakeAssertions {
  protected abstract recordedOperationList(): readonly RecordedOperation[];
  protected abstract recordedCheckList(): readonly RecordedCheck[];
  protected abstract pendingOperation(key: string): BufferedOperation | undefined;
  protected abstract pendingList(): BufferedOperation[];
  protected abstract isWritten(t: Tuple): boolean;
  protected abstract writtenList(): Tuple[];

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
    if (this.recordedOperationList().length > 0) {
      fail('Expected no grant or revoke to be recorded, but some were.', describeOperations(this.recordedOperationList()));
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
    asserted({ user, relation, object });
    const op = this.pendingOperation(tupleKey({ user, relation, object }));
    if (op && (kind === undefined || op.kind === kind)) return;
    fail(
      `Expected ${kind ? `a pending ${kind}` : 'a pending operation'} on ${show({ user, relation, object })}.`,
      describePending(this.pendingList()),
    );
  }

  /**
   * Passes when no operation on this tuple is pending.
   *
   * @example
   * fake.assertNotPending('user:anne', 'viewer', 'document:1');
   */
  assertNotPending(user: string, relation: string, object: string): void {
    asserted({ user, relation, object });
    if (!this.pendingOperation(tupleKey({ user, relation, object }))) return;
    fail(`Expected no pending operation on ${show({ user, relation, object })}.`, describePending(this.pendingList()));
  }

  /**
   * Passes when nothing is pending (everything was flushed or cleared, or nothing was recorded).
   *
   * @example
   * await fake.flush();
   * fake.assertNothingPending();
   */
  assertNothingPending(): void {
    if (this.pendingList().length > 0) fail('Expected nothing pending.', describePending(this.pendingList()));
  }

  /**
   * Passes when `flush()` wrote this tuple (and no later flushed revoke removed it).
   *
   * @example
   * await fake.flush();
   * fake.assertWritten('user:anne', 'viewer', 'document:1');
   */
  assertWritten(user: string, relation: string, object: string): void {
    asserted({ user, relation, object });
    if (this.isWritten({ user, relation, object })) return;
    fail(`Expected ${show({ user, relation, object })} to be written.`, describeWritten(this.writtenList()));
  }

  /**
   * Passes when this tuple is not in the written state.
   *
   * @example
   * fake.assertNotWritten('user:anne', 'viewer', 'document:1');
   */
  assertNotWritten(user: string, relation: string, object: string): void {
    asserted({ user, relation, object });
    if (!this.isWritten({ user, relation, object })) return;
    fail(`Expected ${show({ user, relation, object })} not to be written.`, describeWritten(this.writtenList()));
  }

  /**
   * Passes when this tuple was checked; with `allowed`, only when a check of it got that answer.
   *
   * @example
   * fake.assertChecked('user:anne', 'viewer', 'document:1');
   * fake.assertChecked('user:bob', 'viewer', 'document:1', { allowed: false });
   */
  assertChecked(user: string, relation: string, object: string, expected: { allowed?: boolean } = {}): void {
    asserted({ user, relation, object });
    const key = tupleKey({ user, relation, object });
    const hit = this.recordedCheckList().some(
      (c) => tupleKey(c) === key && (expected.allowed === undefined || c.allowed === expected.allowed),
    );
    if (hit) return;
    const answer = expected.allowed === undefined ? '' : ` answered ${expected.allowed ? 'allowed' : 'denied'}`;
    fail(`Expected a check of ${show({ user, relation, object })}${answer}.`, describeChecks(this.recordedCheckList()));
  }

  /**
   * Passes when this tuple was never checked.
   *
   * @example
   * fake.assertNotChecked('user:anne', 'owner', 'document:1');
   */
  assertNotChecked(user: string, relation: string, object: string): void {
    asserted({ user, relation, object });
    const key = tupleKey({ user, relation, object });
    if (!this.recordedCheckList().some((c) => tupleKey(c) === key)) return;
    fail(`Expected no check of ${show({ user, relation, object })}.`, describeChecks(this.recordedCheckList()));
  }

  private assertOperation(kind: TupleOperationKind, given: Tuple, expected: boolean): void {
    const t = asserted(given);
    const key = tupleKey(t);
    const found = this.recordedOperationList().some((o) => o.kind === kind && tupleKey(o) === key);
    if (found === expected) return;
    fail(
      expected
        ? `Expected a ${kind} of ${show(t)} to be recorded, but none was.`
        : `Expected no ${kind} of ${show(t)}, but one was recorded.`,
      describeOperations(this.recordedOperationList()),
    );
  }
}

/**
 * The tuple an assertion names, validated as the fake's own methods validate it (`InvalidTupleError` naming
 * the field and its form): a malformed tuple is never recorded, so without this a negative assertion on a
 * typo (`'anne'` for `'user:anne'`) would pass whatever the code under test did.
 */
function asserted(t: Tuple): Tuple {
  return validateTuple({ user: t.user, relation: t.relation, object: t.object });
}
