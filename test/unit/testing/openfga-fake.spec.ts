import { CheckUnavailableError, InvalidConsistencyTokenError, InvalidTupleError } from '../../../src';
import { OpenFgaAssertionError, OpenFgaFake, OpenFgaServiceContract } from '../../../src/testing';
import { validateTuple } from '../../../src/tuple/validate-tuple';
import { BAD_OBJECTS, BAD_RELATIONS, BAD_USERS } from '../../support/inputs/malformed-inputs';

const anne = ['user:anne', 'viewer', 'document:1'] as const;
const bob = ['user:bob', 'viewer', 'document:1'] as const;

/** The error a call throws (synchronously or as a rejection), or undefined. */
async function errorOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('OpenFgaFake', () => {
  let fake: OpenFgaFake;
  beforeEach(() => {
    fake = new OpenFgaFake();
  });

  it('is assignable to the public surface of OpenFgaService', () => {
    const contract: OpenFgaServiceContract = fake;
    expect(typeof contract.grantMany).toBe('function');
  });

  describe('recording and answering', () => {
    it('keeps grants pending, answers them at once (read your writes), and writes them on flush', async () => {
      const token = await fake.grant(...anne);
      expect(token).toMatch(/^v1\./);
      expect(await fake.check(...anne)).toBe(true);
      expect(await fake.status()).toMatchObject({ pending: { writes: 1, deletes: 0, total: 1 }, inFlight: 0, deadLettered: 0 });
      fake.assertGranted(...anne);
      fake.assertPending(...anne, 'grant');
      fake.assertNotWritten(...anne);

      expect(await fake.flush()).toMatchObject({ writes: 1, deletes: 0, failed: 0, deadLettered: 0 });
      fake.assertNothingPending();
      fake.assertWritten(...anne);
      expect(fake.writtenTuples).toEqual([{ user: 'user:anne', relation: 'viewer', object: 'document:1' }]);
      expect(await fake.check(...anne)).toBe(true);
      expect((await fake.status()).lastFlush).toMatchObject({ writes: 1, at: expect.any(String) });
    });

    it('coalesces operations on one tuple: the last one wins, as in the buffer', async () => {
      await fake.grant(...anne);
      await fake.revoke(...anne);
      expect(await fake.getPendingOperations()).toEqual([expect.objectContaining({ kind: 'revoke', user: 'user:anne' })]);
      expect(await fake.check(...anne)).toBe(false);
      fake.assertGranted(...anne);
      fake.assertRevoked(...anne);
      fake.assertPending(...anne, 'revoke');
      expect(() => fake.assertPending(...anne, 'grant')).toThrow(OpenFgaAssertionError);
    });

    it('removes written tuples on a flushed revoke', async () => {
      await fake.grant(...anne);
      await fake.flush();
      await fake.revoke(...anne);
      expect(await fake.flush()).toMatchObject({ writes: 0, deletes: 1 });
      fake.assertNotWritten(...anne);
      expect(await fake.check(...anne)).toBe(false);
    });

    it('records batches per tuple and returns one token for the batch', async () => {
      const token = await fake.grantMany([
        { user: 'user:a', relation: 'viewer', object: 'document:1' },
        { user: 'user:b', relation: 'viewer', object: 'document:1' },
      ]);
      await fake.revokeMany([{ user: 'user:a', relation: 'viewer', object: 'document:1' }]);
      expect(fake.operations.map((o) => [o.kind, o.user])).toEqual([
        ['grant', 'user:a'],
        ['grant', 'user:b'],
        ['revoke', 'user:a'],
      ]);
      expect(fake.operations[0].token).toBe(token);
      expect((await fake.status()).pending).toEqual({ writes: 1, deletes: 1, total: 2 });
    });

    it('lists pending operations oldest first, with limit', async () => {
      await fake.grant('user:a', 'viewer', 'document:1');
      await fake.grant('user:b', 'viewer', 'document:1');
      await fake.grant('user:a', 'viewer', 'document:1'); // re-queued behind b
      expect((await fake.getPendingOperations()).map((o) => o.user)).toEqual(['user:b', 'user:a']);
      expect(await fake.getPendingOperations(1)).toHaveLength(1);
      expect((await fake.getPendingOperations())[0]).toMatchObject({ key: 'user:b viewer document:1', attempts: 0 });
    });

    it('reports the age of the oldest pending operation', async () => {
      jest.useFakeTimers({ now: 1_000_000 });
      try {
        await fake.grant(...anne);
        jest.setSystemTime(1_000_750);
        expect((await fake.status()).oldestAgeMs).toBe(750);
      } finally {
        jest.useRealTimers();
      }
      await fake.flush();
      expect((await fake.status()).oldestAgeMs).toBeNull();
    });

    it('clear discards pending operations and reports how many', async () => {
      await fake.grant(...anne);
      await fake.grant(...bob);
      expect(await fake.clear()).toBe(2);
      fake.assertNothingPending();
      expect(await fake.flush()).toMatchObject({ writes: 0 });
      fake.assertNotWritten(...anne);
    });

    it('calls onProgress once with the totals of a flush that wrote something', async () => {
      const progress = jest.fn();
      await fake.flush({ onProgress: progress });
      expect(progress).not.toHaveBeenCalled();
      await fake.grant(...anne);
      await fake.flush({ onProgress: progress });
      expect(progress).toHaveBeenCalledWith(expect.objectContaining({ writes: 1 }));
    });
  });

  describe('seeding answers', () => {
    it('denies by default; allow/deny seed exact tuples', async () => {
      expect(await fake.check(...anne)).toBe(false);
      fake.allow(...anne).deny(...bob);
      expect(await fake.check(...anne)).toBe(true);
      expect(await fake.check(...bob)).toBe(false);
    });

    it('lets pending operations override seeds, and flushed ones replace them', async () => {
      fake.deny(...anne);
      await fake.grant(...anne);
      expect(await fake.check(...anne)).toBe(true);
      await fake.flush();
      expect(await fake.check(...anne)).toBe(true);

      fake.allow(...bob);
      await fake.revoke(...bob);
      expect(await fake.check(...bob)).toBe(false);
      await fake.flush();
      expect(await fake.check(...bob)).toBe(false);
    });

    it('takes the allow option as true, a list, or a function', async () => {
      expect(await new OpenFgaFake({ allow: true }).check(...anne)).toBe(true);
      const listed = new OpenFgaFake({ allow: [{ user: 'user:anne', relation: 'viewer', object: 'document:1' }] });
      expect(await listed.check(...anne)).toBe(true);
      expect(await listed.check(...bob)).toBe(false);
      const owners = new OpenFgaFake({ allow: ({ relation }) => relation === 'owner' });
      expect(await owners.check('user:anne', 'owner', 'document:1')).toBe(true);
      expect(await owners.check(...anne)).toBe(false);
    });

    it('validates seeded tuples like the real service', () => {
      expect(() => new OpenFgaFake({ allow: [{ user: 'anne', relation: 'viewer', object: 'document:1' }] })).toThrow(
        'Invalid allow[0].user "anne"',
      );
      expect(() => fake.allow('user:anne', 'view er', 'document:1')).toThrow(InvalidTupleError);
      expect(() => fake.deny('user:anne', 'viewer', 'document')).toThrow(InvalidTupleError);
    });

    it('reset forgets everything but the constructor options', async () => {
      const seeded = new OpenFgaFake({ allow: [{ user: 'user:anne', relation: 'viewer', object: 'document:1' }] });
      seeded.allow(...bob);
      await seeded.grant('user:carl', 'viewer', 'document:1');
      await seeded.check(...anne);
      seeded.reset();
      expect(seeded.operations).toEqual([]);
      expect(seeded.checks).toEqual([]);
      seeded.assertNothingPending();
      expect(await seeded.check(...anne)).toBe(true);
      expect(await seeded.check(...bob)).toBe(false);
    });
  });

  describe('consistency options', () => {
    it('accepts its own tokens and flushes for at-least-as-fresh and strong, as the real service does', async () => {
      const token = await fake.grant(...anne);
      await fake.grant(...bob);
      // What is pending up to the token is flushed first, also for the exact tuple (the real read path never answers from the buffer).
      expect(await fake.check(...anne, { consistency: 'at-least-as-fresh', token })).toBe(true);
      fake.assertNothingPending();
      fake.assertWritten(...anne);
      await fake.grant('user:dora', 'viewer', 'document:1');
      expect(await fake.check('user:erin', 'viewer', 'document:1', { consistency: 'strong' })).toBe(false);
      fake.assertWritten('user:dora', 'viewer', 'document:1');
    });

    it('rejects malformed or foreign tokens and unknown consistency levels like the real service', async () => {
      await expect(fake.check(...anne, { consistency: 'at-least-as-fresh' })).rejects.toThrow(InvalidConsistencyTokenError);
      await expect(fake.check(...anne, { consistency: 'at-least-as-fresh', token: 'v1.1.AAAAAAAAAA' })).rejects.toThrow(
        'issued for another store or prefix',
      );
      await expect(fake.check(...anne, { consistency: 'eventual' as never })).rejects.toThrow(InvalidConsistencyTokenError);
      expect(fake.checks).toEqual([]);
    });
  });

  describe('dead letters', () => {
    it('dead-letters tuples given to rejectOnFlush and writes the rest', async () => {
      fake.rejectOnFlush(...bob, 'type "document" has no relation "viewer"');
      await fake.grantMany([
        { user: 'user:anne', relation: 'viewer', object: 'document:1' },
        { user: 'user:bob', relation: 'viewer', object: 'document:1' },
      ]);
      expect(await fake.flush()).toMatchObject({ writes: 1, deadLettered: 1 });
      const [letter] = await fake.getDeadLetters();
      expect(letter).toMatchObject({ reason: 'type "document" has no relation "viewer"', operation: { kind: 'grant', user: 'user:bob' } });
      expect((await fake.status()).deadLettered).toBe(1);
    });

    it('retries dead letters unless a newer pending operation supersedes them, and purges them', async () => {
      fake.rejectOnFlush(...anne).rejectOnFlush(...bob);
      await fake.grant(...anne);
      await fake.grant(...bob);
      await fake.flush();
      await fake.revoke(...bob); // newer op on bob's tuple
      const bobLetter = (await fake.getDeadLetters()).find((d) => d.operation.user === 'user:bob')!;
      expect(await fake.retryDeadLetters()).toEqual({ requeued: 1, superseded: 1, supersededIds: [bobLetter.id] });
      fake.assertPending(...anne, 'grant');
      fake.assertPending(...bob, 'revoke');
      await fake.flush();
      const ids = (await fake.getDeadLetters()).map((d) => d.id);
      expect(ids).toHaveLength(2);
      expect(await fake.purgeDeadLetters([ids[0]])).toBe(1);
      expect(await fake.purgeDeadLetters()).toBe(1);
      expect(await fake.getDeadLetters()).toEqual([]);
    });

    it('drops a dead letter whose tuple had a newer op settled since, as the real buffer does', async () => {
      fake.rejectOnFlush(...anne);
      await fake.grant(...anne);
      await fake.flush(); // dead-lettered
      await fake.revoke(...anne);
      await fake.flush(); // the newer revoke is settled (dead-lettered too)
      const [older, newer] = (await fake.getDeadLetters()).sort((a, b) => a.operation.seq - b.operation.seq);
      expect(await fake.retryDeadLetters([older.id])).toEqual({ requeued: 0, superseded: 1, supersededIds: [older.id] });
      expect(await fake.retryDeadLetters([newer.id])).toEqual({ requeued: 1, superseded: 0, supersededIds: [] });
      fake.assertPending(...anne, 'revoke');
    });
  });

  describe('unavailability', () => {
    it('throws CheckUnavailableError while simulateUnavailable is on, and records the attempt', async () => {
      fake.allow(...anne).simulateUnavailable();
      await expect(fake.check(...anne)).rejects.toThrow(CheckUnavailableError);
      expect(fake.checks).toEqual([expect.objectContaining({ user: 'user:anne', allowed: undefined })]);
      fake.simulateUnavailable(false);
      expect(await fake.check(...anne)).toBe(true);
    });
  });

  describe('validation parity with the real service', () => {
    const cases: [string, unknown, unknown, unknown][] = [
      ...BAD_USERS.map((u): [string, unknown, unknown, unknown] => ['user', u, 'viewer', 'document:1']),
      ...BAD_RELATIONS.map((r): [string, unknown, unknown, unknown] => ['relation', 'user:anne', r, 'document:1']),
      ...BAD_OBJECTS.map((o): [string, unknown, unknown, unknown] => ['object', 'user:anne', 'viewer', o]),
    ];

    it(`rejects every malformed input of the shared corpus (${cases.length}) with the real validator's error, recording nothing`, async () => {
      for (const [field, user, relation, object] of cases) {
        const expected = await errorOf(() => validateTuple({ user, relation, object }));
        expect(expected).toBeInstanceOf(InvalidTupleError);
        for (const call of [
          () => fake.grant(user as string, relation as string, object as string),
          () => fake.revoke(user as string, relation as string, object as string),
          () => fake.check(user as string, relation as string, object as string),
        ]) {
          const err = await errorOf(call);
          expect(err).toBeInstanceOf(InvalidTupleError);
          expect((err as InvalidTupleError).field).toBe(field);
          expect((err as InvalidTupleError).message).toBe((expected as InvalidTupleError).message);
        }
      }
      expect(fake.operations).toEqual([]);
      expect(fake.checks).toEqual([]);
      fake.assertNothingPending();
    });

    it('rejects a whole batch when one tuple is malformed, naming its index, and rejects empty batches', async () => {
      await expect(
        fake.grantMany([
          { user: 'user:a', relation: 'viewer', object: 'document:1' },
          { user: 'user:b', relation: 'viewer', object: 'document 2' },
        ]),
      ).rejects.toThrow('Invalid tuples[1].object "document 2": expected "type:id"');
      await expect(fake.revokeMany([])).rejects.toThrow('revokeMany needs at least one tuple');
      await expect(fake.grantMany('nope' as never)).rejects.toThrow(InvalidTupleError);
      fake.assertNothingRecorded();
    });

    it('accepts the valid forms: type:id, type:id#relation, type:*', async () => {
      await fake.grant('group:eng#member', 'viewer', 'document:a.b-c_d@e|f');
      await fake.grant('user:*', 'viewer', 'document:public');
      expect(fake.operations).toHaveLength(2);
    });
  });

  describe('assertion messages', () => {
    it('assertGranted lists the recorded operations', async () => {
      await fake.grant(...bob);
      await fake.revoke('user:carl', 'editor', 'document:2');
      expect(() => fake.assertGranted(...anne)).toThrow(
        [
          'Expected a grant of user:anne viewer document:1 to be recorded, but none was.',
          'Recorded operations (2):',
          '  - grant  user:bob viewer document:1',
          '  - revoke user:carl editor document:2',
        ].join('\n'),
      );
    });

    it('says "(none)" when nothing was recorded', () => {
      expect(() => fake.assertRevoked(...anne)).toThrow(
        'Expected a revoke of user:anne viewer document:1 to be recorded, but none was.\nRecorded operations: (none)',
      );
    });

    it('negative assertions name what was recorded', async () => {
      await fake.grant(...anne);
      expect(() => fake.assertNotGranted(...anne)).toThrow('Expected no grant of user:anne viewer document:1, but one was recorded.');
      expect(() => fake.assertNothingRecorded()).toThrow('Recorded operations (1):\n  - grant  user:anne viewer document:1');
      fake.assertNotRevoked(...anne);
    });

    it('assertPending / assertNothingPending list the pending operations', async () => {
      expect(() => fake.assertPending(...anne)).toThrow(
        'Expected a pending operation on user:anne viewer document:1.\nPending operations: (none)',
      );
      await fake.grant(...bob);
      expect(() => fake.assertNothingPending()).toThrow(
        'Expected nothing pending.\nPending operations (1):\n  - grant  user:bob viewer document:1',
      );
      expect(() => fake.assertNotPending(...bob)).toThrow(OpenFgaAssertionError);
      fake.assertNotPending(...anne);
    });

    it('assertWritten lists the written tuples', async () => {
      await fake.grant(...bob);
      await fake.flush();
      expect(() => fake.assertWritten(...anne)).toThrow(
        'Expected user:anne viewer document:1 to be written.\nWritten tuples (1):\n  - user:bob viewer document:1',
      );
      expect(() => fake.assertNotWritten(...bob)).toThrow('Expected user:bob viewer document:1 not to be written.');
    });

    it('assertChecked matches the tuple and, optionally, the answer, and lists the checks', async () => {
      fake.allow(...anne);
      await fake.check(...anne);
      await fake.check(...bob);
      fake.assertChecked(...anne);
      fake.assertChecked(...anne, { allowed: true });
      fake.assertChecked(...bob, { allowed: false });
      expect(() => fake.assertChecked(...anne, { allowed: false })).toThrow(
        [
          'Expected a check of user:anne viewer document:1 answered denied.',
          'Recorded checks (2):',
          '  - user:anne viewer document:1 -> allowed',
          '  - user:bob viewer document:1 -> denied',
        ].join('\n'),
      );
      expect(() => fake.assertNotChecked(...anne)).toThrow('Expected no check of user:anne viewer document:1.');
      fake.assertNotChecked('user:anne', 'owner', 'document:1');
    });

    it('throws OpenFgaAssertionError, so test runners show the message as the failure', () => {
      const err = (() => {
        try {
          fake.assertGranted(...anne);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(OpenFgaAssertionError);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('OpenFgaAssertionError');
    });
  });

  it('returns copies, so tests cannot corrupt its state', async () => {
    await fake.grant(...anne);
    const [op] = await fake.getPendingOperations();
    op.kind = 'revoke';
    fake.operations[0].user = 'user:mallory';
    fake.assertPending(...anne, 'grant');
    fake.assertGranted(...anne);
  });

  it('emits the real service events, so code listening on `events` works under the fake', async () => {
    const seen: string[] = [];
    fake.events.on('enqueued', (e) => seen.push(`enqueued ${e.operations.length} seq ${e.seq}`));
    fake.events.on('checked', (e) => seen.push(`checked ${e.source} ${e.allowed} ${e.consistency}`));
    fake.events.on('flushed', (e) => seen.push(`flushed ${e.mode} w${e.writes} d${e.deadLettered}`));
    fake.events.on('deadLettered', (e) => seen.push(`deadLettered ${e.operations.map((o) => o.reason).join()}`));
    fake.events.on('cleared', (e) => seen.push(`cleared ${e.count}`));
    fake.rejectOnFlush('user:bob', 'viewer', 'document:1', 'no such relation');
    await fake.grantMany([
      { user: 'user:anne', relation: 'viewer', object: 'document:1' },
      { user: 'user:bob', relation: 'viewer', object: 'document:1' },
    ]);
    expect(await fake.check(...anne)).toBe(true); // read-your-writes: the pending grant counts
    await fake.flush();
    expect(await fake.check(...anne, { consistency: 'strong' })).toBe(true);
    await fake.revoke(...anne);
    await fake.clear();
    fake.simulateUnavailable();
    await expect(fake.check(...anne)).rejects.toBeInstanceOf(CheckUnavailableError);
    // OpenFGA rejects a whole check when a pending grant sent as a contextual tuple is invalid:
    // the read path flushes (dead-lettering it, which takes a position) and asks again.
    expect(seen).toEqual([
      'enqueued 2 seq 2',
      'deadLettered no such relation',
      'flushed inline w1 d1',
      'checked openfga true minimize-latency',
      'checked openfga true strong',
      'enqueued 1 seq 4',
      'cleared 1',
      'checked error false minimize-latency',
    ]);
  });
});
