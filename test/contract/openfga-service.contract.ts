/**
 * The contract of OpenFgaService's public surface: the same tests run against
 * the real service on the real servers (real-service.contract.spec.ts) and
 * the testing fake (fake.contract.spec.ts), so a behaviour in which the fake
 * differs fails. Both sides use the fixture model (test/fixtures/model.fga):
 * both refuse in the call a write the model forbids, with the same message;
 * such a tuple buffered anyway (`bufferPoison`) dead-letters on both.
 */
import { CheckUnavailableError, InvalidCheckOptionsError, InvalidConsistencyTokenError, InvalidTupleError } from '../../src';
import type { OpenFgaEventMap, OpenFgaEventName, Tuple } from '../../src';
import type { OpenFgaServiceContract } from '../../src/testing';
import { BAD_OBJECTS, BAD_RELATIONS, BAD_USERS } from '../support/inputs/malformed-inputs';
import { listContract } from './cases/list.contract';
import { typedServiceContract } from './cases/typed.contract';
import { conditionsContract } from './cases/conditions.contract';
import { conditionSamplesContract } from './cases/condition-samples.contract';
import { batchCheckContract } from './cases/batch-check.contract';
import { ConnectionsFactory, connectionsContract } from './cases/connections.contract';

/** One service under contract, fresh (empty buffer, empty store) for each test. */
export interface ContractSubject {
  service: OpenFgaServiceContract;
  /**
   * Buffers ops the service refuses in the call (the model forbids them), as a process whose model
   * admitted them would have: a write checked against a model that changed before its flush, which
   * OpenFGA rejects at flush. The dead-letter cases start from it.
   */
  bufferPoison(kind: 'grant' | 'revoke', tuples: readonly Tuple[]): Promise<unknown>;
  close(): Promise<void>;
}

/** A fresh subject; `modelFile` (a DSL file) replaces the fixture model, on both sides. */
export type ContractFactory = (modelFile?: string) => Promise<ContractSubject>;

const tuple = (user: string, relation: string, object: string): Tuple => ({ user, relation, object });
const ANNE = tuple('user:anne', 'viewer', 'document:1');
const BOB = tuple('user:bob', 'viewer', 'document:1');
const CARL = tuple('user:carl', 'viewer', 'document:2');
/** OpenFGA rejects it: the fixture model has no type `unknown`. */
const UNKNOWN_TYPE = tuple('user:anne', 'viewer', 'unknown:1');
/** OpenFGA rejects it: `document` has no relation `reader`. */
const UNKNOWN_RELATION = tuple('user:bob', 'reader', 'document:1');
/** A user type the relation does not accept (`parent: [folder]`): OpenFGA rejects it, also as a contextual tuple. */
const WRONG_USER_TYPE = tuple('user:anne', 'parent', 'document:1');
const args = (t: Tuple) => [t.user, t.relation, t.object] as const;
const keyOf = (t: Tuple) => `${t.user} ${t.relation} ${t.object}`;
const position = (token: string) => parseInt(token.split('.')[1], 36);

/** The error a call throws (synchronously or as a rejection), or undefined. */
async function errorOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
    return undefined;
  } catch (err) {
    return err;
  }
}

/** `connections`: the default connection and `billing` in one app, for the cases of several connections. */
export function openFgaServiceContract(factory: ContractFactory, connections: ConnectionsFactory): void {
  typedServiceContract(factory);
  connectionsContract(connections);
  let subject: ContractSubject;
  let fga: OpenFgaServiceContract;
  beforeEach(async () => {
    subject = await factory();
    fga = subject.service;
  });
  afterEach(() => subject.close());
  conditionsContract(factory);
  conditionSamplesContract(factory);
  const poison = (...tuples: Tuple[]) => subject.bufferPoison('grant', tuples);

  /** Records the payloads of the named events, in order. */
  function listen<E extends OpenFgaEventName>(...names: E[]): { name: E; payload: OpenFgaEventMap[E] }[] {
    const seen: { name: E; payload: OpenFgaEventMap[E] }[] = [];
    for (const name of names) fga.events.on(name, (payload) => seen.push({ name, payload }));
    return seen;
  }

  const pendingKeys = async () => (await fga.getPendingOperations()).map((o) => `${o.kind} ${o.key}`);

  listContract(() => fga);

  describe('grant, revoke, grantMany, revokeMany', () => {
    it('refuses in the call a grant the model forbids, with the same message, and buffers nothing', async () => {
      const refusal = async (call: Promise<unknown>) => {
        const err = await call.catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidTupleError);
        return (err as Error).message;
      };
      expect(await refusal(fga.grant(...args(UNKNOWN_TYPE)))).toBe(
        'object: type "unknown" is not in the authorization model (types: user, group, folder, document)',
      );
      expect(await refusal(fga.grantMany([ANNE, UNKNOWN_RELATION]))).toBe(
        'tuples[1].relation: "reader" is not a relation of document (document has: editor, owner, parent, viewer)',
      );
      expect(await refusal(fga.grant(...args(WRONG_USER_TYPE)))).toBe('user: document#parent admits folder, not user');
      expect(await refusal(fga.grant('user:*', 'editor', 'document:1'))).toBe(
        'user: document#editor admits user, group#member, not user:*',
      );
      expect(await fga.getPendingOperations()).toEqual([]);
    });

    it('refuses a tuple field it does not know, naming it, and buffers nothing: a condition is never dropped', async () => {
      // The fixture model declares no condition: refused against the model, never buffered without it.
      const timeLimited = { ...ANNE, condition: { name: 'before', context: { until: '2026-12-01T00:00:00Z' } } };
      const err = await fga.grantMany([BOB, timeLimited as Tuple]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidTupleError);
      expect(err).toMatchObject({ field: 'tuples[1].condition.name' });
      expect((err as Error).message).toMatch(/a condition declared in authorization model/);
      await expect(fga.revokeMany([{ ...CARL, extra: 1 } as Tuple])).rejects.toMatchObject({ field: 'tuples[0].extra' });
      expect(await fga.getPendingOperations()).toEqual([]);
    });

    it('return tokens naming consecutive buffer positions, one per distinct tuple of a call', async () => {
      const first = await fga.grant(...args(ANNE));
      expect(first).toMatch(/^v1\.[0-9a-z]+\.[A-Za-z0-9_-]{10}$/);
      expect(position(first)).toBe(1);
      expect(position(await fga.revoke(...args(BOB)))).toBe(2);
      expect(position(await fga.grantMany([CARL, ANNE]))).toBe(4);
      // A tuple named twice in one call coalesces before it is buffered: one position.
      expect(position(await fga.revokeMany([BOB, CARL, BOB]))).toBe(6);
      expect(first.split('.')[2]).toBe((await fga.grant(...args(BOB))).split('.')[2]);
    });

    it('reject every malformed tuple of the shared corpus with an InvalidTupleError naming the field, and buffer nothing', async () => {
      const cases: [string, unknown, unknown, unknown][] = [
        ...BAD_USERS.map((u): [string, unknown, unknown, unknown] => ['user', u, 'viewer', 'document:1']),
        ...BAD_RELATIONS.map((r): [string, unknown, unknown, unknown] => ['relation', 'user:anne', r, 'document:1']),
        ...BAD_OBJECTS.map((o): [string, unknown, unknown, unknown] => ['object', 'user:anne', 'viewer', o]),
      ];
      for (const [field, user, relation, object] of cases) {
        for (const call of [
          () => fga.grant(user as string, relation as string, object as string),
          () => fga.revoke(user as string, relation as string, object as string),
          () => fga.check(user as string, relation as string, object as string),
        ]) {
          const err = await errorOf(call);
          expect(err).toBeInstanceOf(InvalidTupleError);
          expect((err as InvalidTupleError).field).toBe(field);
          expect((err as Error).message).toMatch(new RegExp(`^Invalid ${field} .*: expected `, 's'));
        }
      }
      await expect(fga.grant('user:anne', 'viewer', 'document 2')).rejects.toThrow('Invalid object "document 2": expected "type:id"');
      expect(await fga.getPendingOperations()).toEqual([]);
      expect((await fga.status()).pending.total).toBe(0);
    });

    it('reject a whole batch when one tuple is malformed, naming its index, and reject empty batches', async () => {
      await expect(fga.grantMany([ANNE, tuple('user:b', 'viewer', 'document 2')])).rejects.toThrow(
        'Invalid tuples[1].object "document 2": expected "type:id"',
      );
      await expect(fga.revokeMany([BOB, tuple('user b', 'viewer', 'document:2')])).rejects.toThrow(InvalidTupleError);
      await expect(fga.grantMany([])).rejects.toThrow(new RangeError('grantMany needs at least one tuple'));
      await expect(fga.revokeMany([])).rejects.toThrow(new RangeError('revokeMany needs at least one tuple'));
      await expect(fga.grantMany('nope' as never)).rejects.toThrow(InvalidTupleError);
      expect(await fga.getPendingOperations()).toEqual([]);
    });

    it('accept usersets and wildcards', async () => {
      await fga.grant('group:eng#member', 'viewer', 'document:1');
      await fga.grant('user:*', 'viewer', 'document:public');
      expect(await pendingKeys()).toEqual(['grant group:eng#member viewer document:1', 'grant user:* viewer document:public']);
    });
  });

  describe('check', () => {
    it('reads its own writes before any flush, and revokes hide access before they are flushed', async () => {
      expect(await fga.check(...args(ANNE))).toBe(false);
      await fga.grant(...args(ANNE));
      expect(await fga.check(...args(ANNE))).toBe(true);
      expect((await fga.status()).pending.total).toBe(1);
      await fga.revoke(...args(ANNE));
      expect(await fga.check(...args(ANNE))).toBe(false);
      await fga.flush();
      expect(await fga.check(...args(ANNE))).toBe(false);
    });

    it('stays allowed after the flush, and a revoke of a written tuple denies before and after its flush', async () => {
      await fga.grant(...args(ANNE));
      await fga.flush();
      expect(await fga.check(...args(ANNE))).toBe(true);
      await fga.revoke(...args(ANNE));
      expect(await fga.check(...args(ANNE))).toBe(false);
      await fga.flush();
      expect(await fga.check(...args(ANNE))).toBe(false);
    });

    it('answers relations the model derives from pending and written grants', async () => {
      await fga.grant('user:anne', 'editor', 'document:1'); // editor ⇒ viewer
      await fga.grant('user:bob', 'owner', 'document:1'); // owner ⇒ editor ⇒ viewer
      await fga.grantMany([tuple('user:carl', 'member', 'group:eng'), tuple('group:eng#member', 'viewer', 'document:2')]);
      await fga.grantMany([tuple('folder:f', 'parent', 'document:3'), tuple('user:dora', 'editor', 'folder:f')]);
      await fga.grant('user:*', 'viewer', 'document:public');
      const expectations: [Tuple, boolean][] = [
        [tuple('user:anne', 'viewer', 'document:1'), true],
        [tuple('user:anne', 'owner', 'document:1'), false],
        [tuple('user:bob', 'viewer', 'document:1'), true],
        [tuple('user:carl', 'viewer', 'document:2'), true],
        [tuple('user:carl', 'editor', 'document:2'), false],
        [tuple('user:dora', 'viewer', 'document:3'), true],
        [tuple('user:erin', 'viewer', 'document:public'), true],
        [tuple('user:erin', 'viewer', 'document:1'), false],
      ];
      for (const [t, allowed] of expectations) expect([keyOf(t), await fga.check(...args(t))]).toEqual([keyOf(t), allowed]);
      await fga.flush();
      for (const [t, allowed] of expectations) expect([keyOf(t), await fga.check(...args(t))]).toEqual([keyOf(t), allowed]);
      await fga.revoke('user:carl', 'member', 'group:eng');
      expect(await fga.check('user:carl', 'viewer', 'document:2')).toBe(false);
    });

    it('writes a pending revoke the answer depends on before trusting "allowed", and leaves the rest pending', async () => {
      await fga.grant(...args(ANNE));
      await fga.revoke('user:anne', 'owner', 'document:1'); // owner derives viewer on the same document
      await fga.revoke(...args(CARL)); // another object and user: no part of the answer
      expect(await fga.check(...args(ANNE))).toBe(true);
      expect(await pendingKeys()).toEqual([`grant ${keyOf(ANNE)}`, `revoke ${keyOf(CARL)}`]);
    });

    it('leaves the buffer alone for a minimize-latency "denied" or an "allowed" with no revoke pending', async () => {
      await fga.grant(...args(ANNE));
      expect(await fga.check(...args(BOB))).toBe(false);
      expect(await fga.check(...args(ANNE))).toBe(true);
      expect(await pendingKeys()).toEqual([`grant ${keyOf(ANNE)}`]);
    });

    it('dead-letters an invalid pending grant it would have sent to OpenFGA, then answers', async () => {
      await poison(WRONG_USER_TYPE);
      await fga.grant(...args(ANNE));
      await poison(UNKNOWN_TYPE); // not part of the answer: never sent, stays pending
      expect(await fga.check(...args(ANNE))).toBe(true);
      expect(await pendingKeys()).toEqual([`grant ${keyOf(UNKNOWN_TYPE)}`]);
      expect((await fga.getDeadLetters()).map((d) => d.operation.key)).toEqual([keyOf(WRONG_USER_TYPE)]);
    });

    it('refuses a check option it does not know, naming it, instead of answering another question', async () => {
      for (const [options, field] of [
        [{ context: 'ip=10.0.0.1' }, 'options.context'],
        [{ contextualTuples: BOB }, 'options.contextualTuples'],
        [{ contexts: {} }, 'options.contexts'],
        ['strong', 'options'],
      ] as const) {
        const err = await fga.check(...args(ANNE), options as never).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidCheckOptionsError);
        expect(err).toMatchObject({ field });
      }
    });

    it('throws CheckUnavailableError for a type or relation the model does not define', async () => {
      await expect(fga.check(...args(UNKNOWN_TYPE))).rejects.toThrow(CheckUnavailableError);
      await expect(fga.check(...args(UNKNOWN_TYPE))).rejects.toThrow("type 'unknown' not found");
      await expect(fga.check(...args(UNKNOWN_RELATION))).rejects.toThrow("relation 'document#reader' not found");
    });
  });

  describe('consistency levels', () => {
    it('at-least-as-fresh flushes everything up to the token first, also for the exact tuple', async () => {
      const token = await fga.grant(...args(ANNE));
      expect(await fga.check(...args(ANNE), { consistency: 'at-least-as-fresh', token })).toBe(true);
      expect(await fga.getPendingOperations()).toEqual([]);
      expect((await fga.status()).lastFlush).toMatchObject({ writes: 1 });
    });

    it('at-least-as-fresh with nothing pending up to the token does not flush', async () => {
      const token = await fga.grant(...args(ANNE));
      await fga.flush();
      await fga.grant(...args(BOB));
      expect(await fga.check(...args(CARL), { consistency: 'at-least-as-fresh', token })).toBe(false);
      expect(await pendingKeys()).toEqual([`grant ${keyOf(BOB)}`]);
    });

    it('strong writes what the answer depends on, pending at call time, and nothing else', async () => {
      await fga.grant(...args(ANNE));
      await fga.revoke(...args(BOB));
      expect(await fga.check(...args(CARL), { consistency: 'strong' })).toBe(false); // document:2: neither is part of it
      expect(await fga.status()).toMatchObject({ pending: { total: 2 }, lastFlush: null });
      expect(await fga.check(...args(ANNE), { consistency: 'strong' })).toBe(true); // document:1: both are
      expect(await fga.status()).toMatchObject({ pending: { total: 0 }, lastFlush: { writes: 1, deletes: 1 } });
    });

    it('treats a token beyond the latest position as the latest', async () => {
      const token = await fga.grant(...args(ANNE));
      const beyond = `v1.${(999_999).toString(36)}.${token.split('.')[2]}`;
      expect(await fga.check(...args(ANNE), { consistency: 'at-least-as-fresh', token: beyond })).toBe(true);
      expect(await fga.getPendingOperations()).toEqual([]);
    });

    it('throws InvalidConsistencyTokenError for a missing, malformed or foreign token and an unknown level, flushing nothing', async () => {
      await fga.grant(...args(ANNE));
      const bad: { consistency?: never; token?: unknown }[] = [
        { consistency: 'at-least-as-fresh' as never },
        { consistency: 'at-least-as-fresh' as never, token: 'nope' },
        { consistency: 'at-least-as-fresh' as never, token: 'v1.1.AAAAAAAAAA' },
        { consistency: 'eventual' as never },
      ];
      for (const options of bad) {
        await expect(fga.check(...args(ANNE), options as never)).rejects.toThrow(InvalidConsistencyTokenError);
      }
      await expect(fga.check(...args(ANNE), { consistency: 'at-least-as-fresh', token: 'v1.1.AAAAAAAAAA' })).rejects.toThrow(
        'issued for another store or prefix',
      );
      expect(await pendingKeys()).toEqual([`grant ${keyOf(ANNE)}`]);
    });
  });

  describe('status', () => {
    it('is empty for a fresh store', async () => {
      expect(await fga.status()).toEqual({
        pending: { writes: 0, deletes: 0, total: 0 },
        inFlight: 0,
        deadLettered: 0,
        oldestAgeMs: null,
        lastFlush: null,
        model: expect.objectContaining({ pinned: false, invalidation: 'scoped' }),
        cache: { paused: false },
      });
    });

    it('counts pending writes and deletes after coalescing, with the oldest age', async () => {
      await fga.grantMany([ANNE, BOB]);
      await fga.revoke(...args(CARL));
      await fga.revoke(...args(BOB)); // replaces bob's grant
      const status = await fga.status();
      expect(status).toMatchObject({ pending: { writes: 1, deletes: 2, total: 3 }, inFlight: 0, deadLettered: 0, lastFlush: null });
      expect(status.oldestAgeMs).toEqual(expect.any(Number));
      expect(status.oldestAgeMs).toBeGreaterThanOrEqual(0);
    });

    it('reports the last flush and dead letters', async () => {
      await fga.grant(...args(ANNE));
      await poison(UNKNOWN_TYPE);
      await fga.revoke(...args(CARL));
      await fga.flush();
      expect(await fga.status()).toEqual({
        pending: { writes: 0, deletes: 0, total: 0 },
        inFlight: 0,
        deadLettered: 1,
        oldestAgeMs: null,
        lastFlush: { writes: 1, deletes: 1, failed: 0, deadLettered: 1, durationMs: expect.any(Number), at: expect.any(String) },
        model: expect.objectContaining({ pinned: false, invalidation: 'scoped' }),
        cache: { paused: false },
      });
    });
  });

  describe('getPendingOperations', () => {
    it('lists the latest operation per tuple, oldest first, with its position and timestamps', async () => {
      const before = Date.now();
      await fga.grant(...args(ANNE));
      await fga.grant(...args(BOB));
      await fga.revoke(...args(ANNE)); // last op wins, at a new position
      const ops = await fga.getPendingOperations();
      expect(ops).toEqual([
        { kind: 'grant', ...BOB, key: keyOf(BOB), seq: 2, enqueuedAt: expect.any(Number), attempts: 0 },
        { kind: 'revoke', ...ANNE, key: keyOf(ANNE), seq: 3, enqueuedAt: expect.any(Number), attempts: 0 },
      ]);
      expect(ops[0].enqueuedAt).toBeGreaterThanOrEqual(before);
      expect(ops[0].enqueuedAt).toBeLessThanOrEqual(Date.now());
    });

    it('keeps the place of a tuple named twice in one call', async () => {
      await fga.grantMany([ANNE, BOB, ANNE]);
      expect((await fga.getPendingOperations()).map((o) => [o.user, o.seq])).toEqual([
        ['user:anne', 1],
        ['user:bob', 2],
      ]);
    });

    it('honours the limit', async () => {
      await fga.grantMany([ANNE, BOB, CARL]);
      expect((await fga.getPendingOperations(2)).map((o) => o.user)).toEqual(['user:anne', 'user:bob']);
      expect(await fga.getPendingOperations(0)).toEqual([]);
    });
  });

  describe('flush', () => {
    it('writes grants and revokes and reports them', async () => {
      await fga.grantMany([ANNE, BOB]);
      await fga.revoke(...args(CARL));
      const progress: unknown[] = [];
      expect(await fga.flush({ onProgress: (p) => progress.push(p) })).toEqual({
        writes: 2,
        deletes: 1,
        failed: 0,
        deadLettered: 0,
        durationMs: expect.any(Number),
      });
      expect(progress).toEqual([expect.objectContaining({ writes: 2, deletes: 1, deadLettered: 0 })]);
      expect(await fga.getPendingOperations()).toEqual([]);
    });

    it('with nothing pending reports zeros, records no last flush and emits nothing', async () => {
      const seen = listen('flushed', 'settled');
      expect(await fga.flush()).toEqual({ writes: 0, deletes: 0, failed: 0, deadLettered: 0, durationMs: expect.any(Number) });
      expect((await fga.status()).lastFlush).toBeNull();
      expect(seen).toEqual([]);
    });

    it('dead-letters only what OpenFGA rejects, with its message, and writes the rest', async () => {
      await fga.grant(...args(ANNE));
      await poison(UNKNOWN_TYPE, UNKNOWN_RELATION);
      expect(await fga.flush()).toMatchObject({ writes: 1, deletes: 0, failed: 0, deadLettered: 2 });
      expect(await fga.check(...args(ANNE))).toBe(true);
      const letters = await fga.getDeadLetters();
      expect(letters).toEqual([
        {
          id: expect.any(String),
          operation: { kind: 'grant', ...UNKNOWN_TYPE, key: keyOf(UNKNOWN_TYPE), seq: 2, enqueuedAt: expect.any(Number) },
          attempts: 1,
          reason: "Invalid tuple 'unknown:1#viewer@user:anne'. Reason: type 'unknown' not found",
          deadAt: expect.any(Number),
        },
        {
          id: expect.any(String),
          operation: { kind: 'grant', ...UNKNOWN_RELATION, key: keyOf(UNKNOWN_RELATION), seq: 3, enqueuedAt: expect.any(Number) },
          attempts: 1,
          reason: "Invalid tuple 'document:1#reader@user:bob'. Reason: relation 'document#reader' not found",
          deadAt: expect.any(Number),
        },
      ]);
    });

    it('rejects a user type the relation does not allow, and deletes any tuple', async () => {
      await poison(tuple('folder:x', 'viewer', 'document:1'), tuple('user:*', 'editor', 'document:1'));
      await fga.revoke(...args(UNKNOWN_TYPE));
      expect(await fga.flush()).toMatchObject({ writes: 0, deletes: 1, deadLettered: 2 });
      expect((await fga.getDeadLetters()).map((d) => d.reason)).toEqual([
        "Invalid tuple 'document:1#viewer@folder:x'. Reason: type 'folder' is not an allowed type restriction for 'document#viewer'",
        "Invalid tuple 'document:1#editor@user:*'. Reason: the typed wildcard 'user:*' is not an allowed type restriction for 'document#editor'",
      ]);
    });

    it('takes a position when it dead-letters (the cache is invalidated through it)', async () => {
      await poison(UNKNOWN_TYPE);
      await fga.flush();
      expect(position(await fga.grant(...args(ANNE)))).toBe(3);
    });
  });

  describe('clear', () => {
    it('discards pending operations, reports how many and takes a position when it discarded any', async () => {
      await fga.grantMany([ANNE, BOB]);
      expect(await fga.clear()).toBe(2);
      expect(await fga.getPendingOperations()).toEqual([]);
      expect(await fga.check(...args(ANNE))).toBe(false);
      expect(await fga.flush()).toMatchObject({ writes: 0 });
      expect(position(await fga.grant(...args(CARL)))).toBe(4);
      await fga.flush();
      expect(await fga.clear()).toBe(0);
      expect(position(await fga.grant(...args(ANNE)))).toBe(5);
    });

    it('clear({ upTo: backlog().position }) discards what backlog() counted and keeps what was buffered after', async () => {
      await fga.grantMany([ANNE, BOB]);
      await fga.revoke(...args(CARL));
      const counted = await fga.backlog();
      expect(counted).toEqual({ pending: { writes: 2, deletes: 1, total: 3 }, retrying: 0, writing: 0, position: 3 });
      await fga.revoke(...args(ANNE)); // a newer op on a counted tuple: kept, as it came after the count
      expect(await fga.clear({ upTo: counted.position })).toBe(2);
      expect((await fga.getPendingOperations()).map((o) => `${o.kind} ${keyOf(o)}`)).toEqual([`revoke ${keyOf(ANNE)}`]);
      expect(await fga.backlog()).toEqual({ pending: { writes: 0, deletes: 1, total: 1 }, retrying: 0, writing: 0, position: 5 });
      await expect(fga.clear({ upTo: -1 })).rejects.toThrow(/must be a buffer position, an integer >= 0/);
    });
  });

  describe('dead letters', () => {
    /** Dead-letters `kind` on the unknown-type tuple; returns its id. */
    async function deadLetter(kind: 'grant' | 'revoke', t: Tuple = UNKNOWN_TYPE): Promise<string> {
      const before = new Set((await fga.getDeadLetters()).map((d) => d.id));
      await subject.bufferPoison(kind, [t]);
      await fga.flush();
      const added = (await fga.getDeadLetters()).filter((d) => !before.has(d.id));
      expect(added).toHaveLength(1);
      return added[0].id;
    }

    it('lists them oldest operation first', async () => {
      await deadLetter('grant', UNKNOWN_RELATION);
      await deadLetter('grant');
      expect((await fga.getDeadLetters()).map((d) => d.operation.key)).toEqual([keyOf(UNKNOWN_RELATION), keyOf(UNKNOWN_TYPE)]);
    });

    it('retry requeues one with nothing newer on its tuple at a new position; flushing dead-letters it again', async () => {
      const id = await deadLetter('grant');
      expect(await fga.retryDeadLetters()).toEqual({ requeued: 1, superseded: 0, supersededIds: [] });
      expect(await fga.getDeadLetters()).toEqual([]);
      expect(await fga.getPendingOperations()).toEqual([
        { kind: 'grant', ...UNKNOWN_TYPE, key: keyOf(UNKNOWN_TYPE), seq: 3, enqueuedAt: expect.any(Number), attempts: 0 },
      ]);
      expect((await fga.status()).deadLettered).toBe(0);
      expect(await fga.flush()).toMatchObject({ deadLettered: 1 });
      const [again] = await fga.getDeadLetters();
      expect(again.id).not.toBe(id);
      expect(again.attempts).toBe(1);
    });

    it('retry drops one whose tuple has a newer op pending, and names it', async () => {
      const id = await deadLetter('grant');
      await fga.revoke(...args(UNKNOWN_TYPE));
      expect(await fga.retryDeadLetters()).toEqual({ requeued: 0, superseded: 1, supersededIds: [id] });
      expect(await pendingKeys()).toEqual([`revoke ${keyOf(UNKNOWN_TYPE)}`]);
      expect(await fga.getDeadLetters()).toEqual([]);
    });

    it('retry drops an older one retried alone after a newer op on its tuple was settled', async () => {
      const older = await deadLetter('grant');
      await poison(UNKNOWN_RELATION);
      await fga.flush(); // dead-letters another tuple: the older one stays the newest of its own
      await fga.revoke(...args(UNKNOWN_TYPE));
      await fga.flush(); // the newer op on its tuple is written (OpenFGA deletes any tuple)
      expect(await fga.retryDeadLetters([older])).toEqual({ requeued: 0, superseded: 1, supersededIds: [older] });
      expect(await fga.getPendingOperations()).toEqual([]);
    });

    it('retry of several on one tuple requeues the newest and drops the older, naming them in position order', async () => {
      const first = await deadLetter('grant');
      await poison(UNKNOWN_RELATION);
      await fga.retryDeadLetters([first]); // requeued, dead-lettered again below with the other
      await fga.flush();
      const letters = await fga.getDeadLetters();
      expect(letters.map((d) => d.operation.key)).toEqual([keyOf(UNKNOWN_RELATION), keyOf(UNKNOWN_TYPE)]);
      await poison(UNKNOWN_TYPE);
      await fga.flush();
      const mine = (await fga.getDeadLetters()).filter((d) => d.operation.key === keyOf(UNKNOWN_TYPE)).map((d) => d.id);
      expect(mine).toHaveLength(2);
      expect(await fga.retryDeadLetters([...mine].reverse())).toEqual({ requeued: 1, superseded: 1, supersededIds: [mine[0]] });
      expect((await fga.getPendingOperations()).map((o) => o.key)).toEqual([keyOf(UNKNOWN_TYPE)]);
    });

    it('retry and purge ignore unknown ids; an empty list means all', async () => {
      await deadLetter('grant');
      expect(await fga.retryDeadLetters(['424242'])).toEqual({ requeued: 0, superseded: 0, supersededIds: [] });
      expect(await fga.purgeDeadLetters(['424242'])).toBe(0);
      expect(await fga.purgeDeadLetters([])).toBe(1);
      await deadLetter('grant');
      expect(await fga.retryDeadLetters([])).toEqual({ requeued: 1, superseded: 0, supersededIds: [] });
    });

    it('retry and purge refuse ids that are not an array of strings, naming them, and change nothing', async () => {
      await deadLetter('grant');
      // From JavaScript, a string would be spread into its characters ('12': the letters 1 and 2).
      for (const ids of ['12', [12], [''], null]) {
        await expect(fga.purgeDeadLetters(ids as never)).rejects.toMatchObject({ name: 'InvalidDeadLetterIdsError', field: 'ids' });
        await expect(fga.retryDeadLetters(ids as never)).rejects.toMatchObject({ name: 'InvalidDeadLetterIdsError', field: 'ids' });
      }
      expect(await fga.getDeadLetters()).toHaveLength(1);
    });

    it('purge deletes by id (each once) or all, and status follows', async () => {
      const first = await deadLetter('grant');
      await deadLetter('grant', UNKNOWN_RELATION);
      expect(await fga.purgeDeadLetters([first, first])).toBe(1);
      expect((await fga.getDeadLetters()).map((d) => d.operation.key)).toEqual([keyOf(UNKNOWN_RELATION)]);
      expect(await fga.purgeDeadLetters()).toBe(1);
      expect((await fga.status()).deadLettered).toBe(0);
    });
  });

  describe('events', () => {
    it('enqueued carries the operations as given and the last position', async () => {
      const seen = listen('enqueued');
      await fga.grantMany([ANNE, BOB, ANNE]);
      await fga.revoke(...args(CARL));
      expect(seen.map((e) => e.payload)).toEqual([
        { operations: [ANNE, BOB, ANNE].map((t) => ({ kind: 'grant', ...t })), seq: 2, durationMs: expect.any(Number) },
        { operations: [{ kind: 'revoke', ...CARL }], seq: 3, durationMs: expect.any(Number) },
      ]);
    });

    it('a flush emits settled, deadLettered (keys and reasons) and flushed, in that order', async () => {
      await fga.grant(...args(ANNE));
      await poison(UNKNOWN_TYPE);
      await fga.revoke(...args(CARL));
      const seen = listen('settled', 'deadLettered', 'flushed');
      await fga.flush();
      const reason = "Invalid tuple 'unknown:1#viewer@user:anne'. Reason: type 'unknown' not found";
      expect(seen).toEqual([
        {
          name: 'settled',
          payload: { batchId: expect.any(String), acked: [keyOf(ANNE), keyOf(CARL)], dead: [{ key: keyOf(UNKNOWN_TYPE), reason }] },
        },
        { name: 'deadLettered', payload: { operations: [{ operation: { key: keyOf(UNKNOWN_TYPE) }, reason }] } },
        {
          name: 'flushed',
          payload: { writes: 1, deletes: 1, failed: 0, deadLettered: 1, durationMs: expect.any(Number), mode: 'inline' },
        },
      ]);
    });

    it('cleared carries the count, also when nothing was discarded', async () => {
      const seen = listen('cleared');
      await fga.grant(...args(ANNE));
      await fga.clear();
      await fga.clear();
      expect(seen.map((e) => e.payload)).toEqual([{ count: 1 }, { count: 0 }]);
    });

    it('checked names the source: OpenFGA on a miss, then the cache until a write invalidates it; fresh levels skip the cache', async () => {
      await fga.grant(...args(ANNE));
      const seen = listen('checked');
      await fga.check(...args(ANNE));
      await fga.check(...args(ANNE));
      await fga.check(...args(BOB));
      await fga.check(...args(BOB));
      await fga.check(...args(ANNE), { consistency: 'strong' });
      await fga.grant(...args(CARL)); // another document and user: the model says it cannot change ANNE's answer
      await fga.check(...args(ANNE));
      await fga.revoke(...args(BOB)); // the cached answers of its object and user go
      await fga.check(...args(BOB));
      await fga.check(...args(ANNE));
      expect(seen.map(({ payload: p }) => `${p.source} ${p.allowed} ${p.consistency}`)).toEqual([
        'openfga true minimize-latency',
        'cache true minimize-latency',
        'openfga false minimize-latency',
        'cache false minimize-latency',
        'openfga true strong',
        'cache true minimize-latency',
        'openfga false minimize-latency',
        'openfga true minimize-latency',
      ]);
      expect(seen.every((e) => typeof e.payload.durationMs === 'number')).toBe(true);
    });

    it('checked reports an error for a bad token and an undefined type, and nothing for a malformed tuple', async () => {
      const seen = listen('checked');
      await errorOf(() => fga.check(...args(ANNE), { consistency: 'at-least-as-fresh', token: 'nope' }));
      await errorOf(() => fga.check(...args(UNKNOWN_TYPE)));
      await errorOf(() => fga.check('anne', 'viewer', 'document:1'));
      expect(seen.map(({ payload: p }) => `${p.source} ${p.allowed} ${p.consistency}`)).toEqual([
        'error false at-least-as-fresh',
        'error false minimize-latency',
      ]);
    });
  });

  batchCheckContract(() => fga);
}
