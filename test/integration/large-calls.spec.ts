/**
 * grantMany/revokeMany of any size: validated whole first, then buffered in
 * bounded script calls (each atomic, in order), so Redis is never blocked for
 * long and no call overflows the stack. clear() of a large backlog likewise.
 */
import { IncompleteClearError, IncompleteWriteError, InvalidTupleError } from '../../src';
import { LuaScripts } from '../../src/redis/lua-scripts';
import { CLEAR_STEP, ENQUEUE_CHUNK } from '../../src/buffer/write-buffer';
import type { Tuple } from '../../src/tuple/tuple';
import { freshStore, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';

const tuples = (tag: string, count: number): Tuple[] =>
  Array.from({ length: count }, (_, i) => ({ user: `user:u${i % 1000}`, relation: 'viewer', object: `document:${tag}-${i}` }));

describe('large grantMany/revokeMany', () => {
  let open: OpenService;
  beforeAll(async () => {
    open = openService(testOptions(await freshStore('large-calls'), { changeFeed: { enabled: false } }));
  });
  afterAll(() => open.close());
  afterEach(async () => {
    jest.restoreAllMocks();
    await open.service.clear();
  });

  it('buffers 100,000 tuples in one grantMany, then revokes them in one revokeMany', async () => {
    const { service, core } = open;
    const many = tuples('big', 100_000);
    const token = await service.grantMany(many);
    expect(await service.status()).toMatchObject({ pending: { writes: 100_000, deletes: 0, total: 100_000 } });
    // The token covers the last chunk, so every tuple of the call.
    expect(core.tokens.decode(token)).toBe((await core.buffer.positions()).latest);
    await service.revokeMany(many);
    expect(await service.status()).toMatchObject({ pending: { writes: 0, deletes: 100_000 } });
  }, 120_000);

  it(`sends at most ${ENQUEUE_CHUNK} tuples per script call`, async () => {
    const run = jest.spyOn(LuaScripts.prototype, 'run');
    await open.service.grantMany(tuples('chunks', 2 * ENQUEUE_CHUNK + 500));
    const enqueues = run.mock.calls.filter(([name]) => name === 'enqueue').map(([, , args]) => Number(args[4]));
    expect(enqueues).toEqual([ENQUEUE_CHUNK, ENQUEUE_CHUNK, 500]);
  });

  it('coalesces the whole call before chunking: the last op per tuple wins, also across chunk boundaries', async () => {
    const { service } = open;
    const first = tuples('dup', ENQUEUE_CHUNK + 10);
    await service.grantMany([...first, ...first.slice(0, 20)]);
    expect((await service.status()).pending.total).toBe(ENQUEUE_CHUNK + 10);
  });

  it('a malformed tuple anywhere, even the last of 100,000, rejects the whole call and nothing is written', async () => {
    const { service, core } = open;
    const before = await core.buffer.positions();
    const many = tuples('bad', 100_000);
    many[99_999] = { ...many[99_999], object: 'document 99999' };
    const err = await service.grantMany(many).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidTupleError);
    expect((err as InvalidTupleError).field).toBe('tuples[99999].object');
    expect((await service.status()).pending.total).toBe(0);
    expect(await core.buffer.positions()).toEqual(before); // not even a position was handed out
  });

  it('a failure part-way leaves whole chunks buffered, a prefix of the call, and says how many', async () => {
    const { service } = open;
    const original = LuaScripts.prototype.run;
    let enqueues = 0;
    jest.spyOn(LuaScripts.prototype, 'run').mockImplementation(function (this: LuaScripts, name, keys, args) {
      if (name === 'enqueue' && ++enqueues === 3) return Promise.reject(new Error('Connection is closed.'));
      return original.call(this, name, keys, args);
    });
    const many = tuples('partial', 3 * ENQUEUE_CHUNK + 1);
    const err = await service.grantMany(many).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncompleteWriteError);
    expect(err).toMatchObject({ completed: 2 * ENQUEUE_CHUNK, total: 3 * ENQUEUE_CHUNK + 1 });
    expect((err as Error).message).toMatch(/^Only 2000 of 3001 tuples were buffered in Redis before a failure .*: Connection is closed\.$/);
    const pending = await service.getPendingOperations(10_000);
    expect(pending.map((o) => o.object).sort()).toEqual(
      many
        .slice(0, 2 * ENQUEUE_CHUNK)
        .map((t) => t.object)
        .sort(),
    );
    // Repeating the call completes it.
    jest.restoreAllMocks();
    await service.grantMany(many);
    expect((await service.status()).pending.total).toBe(many.length);
  });

  describe('clear() of a large backlog', () => {
    /** The outstanding-op index entries of `document#viewer`, the only relation these tests write (see redis-keys.ts, ix:). */
    const indexEntries = () => open.core.redis.zcard(`${open.core.buffer.keys.base}ix:document#viewer`);

    it(`discards it in steps of ${CLEAR_STEP} ops, leaving no record, queue entry, index entry or cached allow behind`, async () => {
      const { service, core } = open;
      const many = tuples('clear', 2 * CLEAR_STEP + 500);
      await service.grantMany(many);
      expect(await service.check(many[7].user, 'viewer', many[7].object)).toBe(true);
      expect(await indexEntries()).toBeGreaterThan(0);
      const run = jest.spyOn(LuaScripts.prototype, 'run');
      expect(await service.clear()).toBe(many.length);
      expect(run.mock.calls.filter(([name]) => name === 'clear')).toHaveLength(3);
      expect(await service.status()).toMatchObject({ pending: { writes: 0, deletes: 0, total: 0 }, inFlight: 0 });
      const k = core.buffer.keys;
      expect([await core.redis.hlen(k.pending), await core.redis.zcard(k.queue), await indexEntries()]).toEqual([0, 0, 0]);
      expect(await service.check(many[7].user, 'viewer', many[7].object)).toBe(false);
    });

    it('keeps what is buffered while it runs: a new tuple and a newer op on a tuple not yet discarded', async () => {
      const { service } = open;
      const many = tuples('during', 2 * CLEAR_STEP + 500);
      await service.grantMany(many);
      const last = many[many.length - 1]; // the newest op: discarded by the last step
      const original = LuaScripts.prototype.run;
      let steps = 0;
      jest.spyOn(LuaScripts.prototype, 'run').mockImplementation(async function (this: LuaScripts, name, keys, args) {
        const result = await original.call(this, name, keys, args);
        // Between the first step and the second, as another caller's grants would arrive.
        if (name === 'clear' && ++steps === 1) {
          await service.grant('user:late', 'viewer', 'document:during-new');
          await service.grant(last.user, 'viewer', last.object);
        }
        return result;
      });
      expect(await service.clear()).toBe(many.length - 1);
      jest.restoreAllMocks();
      expect(await service.status()).toMatchObject({ pending: { writes: 2, total: 2 } });
      const pending = await service.getPendingOperations();
      expect(pending.map((o) => `${o.user} ${o.object}`).sort()).toEqual(
        [`${last.user} ${last.object}`, 'user:late document:during-new'].sort(),
      );
      expect(await service.check('user:late', 'viewer', 'document:during-new')).toBe(true);
      expect(await service.check(last.user, 'viewer', last.object)).toBe(true);
      expect(await service.check(many[0].user, 'viewer', many[0].object)).toBe(false);
    });

    it('a failure part-way says how many were discarded; the rest stay pending and a second clear() finishes', async () => {
      const { service } = open;
      const many = tuples('clear-fail', 2 * CLEAR_STEP + 500);
      await service.grantMany(many);
      const original = LuaScripts.prototype.run;
      let steps = 0;
      jest.spyOn(LuaScripts.prototype, 'run').mockImplementation(function (this: LuaScripts, name, keys, args) {
        if (name === 'clear' && ++steps === 2) return Promise.reject(new Error('Connection is closed.'));
        return original.call(this, name, keys, args);
      });
      const err = await service.clear().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IncompleteClearError);
      expect(err).toMatchObject({ discarded: CLEAR_STEP });
      expect((err as Error).message).toMatch(/^Only 2000 pending operations were discarded before a failure.*: Connection is closed\.$/);
      expect(await service.status()).toMatchObject({ pending: { writes: many.length - CLEAR_STEP, total: many.length - CLEAR_STEP } });
      // The oldest went first.
      const left = await service.getPendingOperations(10_000);
      expect(left.map((o) => o.object).sort()).toEqual(
        many
          .slice(CLEAR_STEP)
          .map((t) => t.object)
          .sort(),
      );
      jest.restoreAllMocks();
      expect(await service.clear()).toBe(many.length - CLEAR_STEP);
      expect((await service.status()).pending.total).toBe(0);
      expect(await indexEntries()).toBe(0);
    });
  });
});
