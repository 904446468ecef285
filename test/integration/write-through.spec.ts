/**
 * Write-through mode (`enabled: false`) on the real OpenFGA (its default
 * `--max-tuples-per-write` of 100): large calls are chunked, one tuple named
 * twice is sent once (last op wins), and a failure part-way says how much was
 * written while the cache still forgets it.
 */
import { IncompleteWriteError } from '../../src';
import { FgaClient } from '../../src/client/fga-client';
import type { Tuple } from '../../src/tuple/tuple';
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';

const tuples = (tag: string, count: number): Tuple[] =>
  Array.from({ length: count }, (_, i) => ({ user: `user:u${i % 10}`, relation: 'viewer', object: `document:${tag}-${i}` }));

describe('write-through grantMany/revokeMany', () => {
  let store: TestStore;
  let open: OpenService;
  beforeEach(async () => {
    store = await freshStore('write-through');
    open = openService(testOptions(store, { enabled: false, changeFeed: { enabled: false } }));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await open.close();
  });

  it('writes 250 tuples in Write requests of at most maxTuplesPerWrite (100), in order', async () => {
    const write = jest.spyOn(FgaClient.prototype, 'write');
    const many = tuples('big', 250);
    await open.service.grantMany(many);
    expect(write.mock.calls.map(([writes, deletes]) => [writes.length, deletes.length])).toEqual([
      [100, 0],
      [100, 0],
      [50, 0],
    ]);
    expect((await readAllTuples(store.storeId)).map(tupleId).sort()).toEqual(many.map(tupleId).sort());
    await open.service.revokeMany(many);
    expect(await readAllTuples(store.storeId)).toEqual([]);
  });

  it('sends a tuple named twice in one call once', async () => {
    const t = { user: 'user:anne', relation: 'viewer', object: 'document:dup' };
    await open.service.grantMany([t, t, { ...t, object: 'document:other' }, t]);
    expect((await readAllTuples(store.storeId)).map(tupleId).sort()).toEqual([
      'user:anne viewer document:dup',
      'user:anne viewer document:other',
    ]);
    await open.service.revokeMany([t, t]);
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual(['user:anne viewer document:other']);
  });

  it('a failed Write part-way rejects saying how many tuples were written, and the cache forgets them', async () => {
    const { service } = open;
    const many = tuples('partial', 250);
    // A cached "denied" for a tuple of the first request.
    expect(await service.check(many[0].user, 'viewer', many[0].object)).toBe(false);
    const original = FgaClient.prototype.write;
    let writes = 0;
    jest.spyOn(FgaClient.prototype, 'write').mockImplementation(function (this: FgaClient, ...args) {
      if (++writes === 2) return Promise.reject(new Error('socket hang up'));
      return original.apply(this, args);
    });
    const err = await service.grantMany(many).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncompleteWriteError);
    expect(err).toMatchObject({ completed: 100, total: 250 });
    expect((err as Error).message).toMatch(/^Only 100 of 250 tuples were written to OpenFGA before a failure .*: socket hang up$/);
    expect(await readAllTuples(store.storeId)).toHaveLength(100);
    expect(await service.check(many[0].user, 'viewer', many[0].object)).toBe(true);
  });
});
