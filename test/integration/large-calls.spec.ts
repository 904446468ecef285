/**
 * grantMany/revokeMany of any size: validated whole first, then buffered in
 * bounded script calls (each atomic, in order), so Redis is never blocked for
 * long and no call overflows the stack.
 */
import { IncompleteWriteError, InvalidTupleError } from '../../src';
import { LuaScripts } from '../../src/redis/lua-scripts';
import { ENQUEUE_CHUNK } from '../../src/buffer/write-buffer';
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
});
