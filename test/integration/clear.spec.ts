/**
 * `clear` on the real servers: `backlog()` counts what a clear would discard with the buffer position of
 * the count, and `clear({ upTo })` discards no operation buffered after it (the CLI's prompt confirms a
 * count, then clears with its position). A clear also discards the operations waiting out a retry
 * backoff after a failed write (nobody writes them until it ends), never a batch being written or one a
 * job owns, and leaves no in-flight record, lease, `held` entry or index entry of them behind.
 * `purgeDeadLetters(ids)` deletes exactly those ids (what the CLI's prompt listed), in bounded steps.
 */
import { LuaScripts } from '../../src/redis/lua-scripts';
import { PURGE_STEP, WriteBuffer } from '../../src/buffer/write-buffer';
import type { Tuple } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';
import { readAllTuples, tupleId } from '../support/state/fga-state';

const doc = (n: string, user = 'user:a'): Tuple => ({ user, relation: 'viewer', object: `document:${n}` });

describe('clear: what was counted, and operations waiting to retry', () => {
  let store: TestStore;
  let open: OpenService;
  beforeEach(async () => {
    store = await freshStore('clear');
    open = openService(testOptions(store));
    await open.ready();
  });
  afterEach(() => open.close());

  /** Claims what is claimable and settles it as a flush whose write failed does: held until its backoff ends (a minute). */
  async function failedWrite(): Promise<string> {
    const batch = await open.core.buffer.claim(100, 60_000);
    if (!batch) throw new Error('nothing to claim');
    expect(await open.core.buffer.settle(batch.id, { acked: [], dead: [], retryAt: Date.now() + 60_000, held: true })).toBe(
      batch.operations.length,
    );
    return batch.id;
  }

  /** The buffer's in-flight bookkeeping: in-flight tuples, their positions, leases, held batches, in-flight counts. */
  async function inFlightKeys() {
    const { redis, buffer } = open.core;
    const k = buffer.keys;
    const [inflight, flight, leases, held, counts] = await Promise.all([
      redis.hkeys(k.inflight),
      redis.zrange(k.flight, 0, -1),
      redis.zrange(k.leases, 0, -1),
      redis.smembers(k.held),
      redis.hmget(k.count, 'fw', 'fd'),
    ]);
    return { inflight: inflight.sort(), flight: flight.sort(), leases, held, counts: counts.map(Number) };
  }

  const tupleKey = (t: Tuple) => `${t.user} ${t.relation} ${t.object}`;

  it('backlog() counts pending, waiting to retry and being written; clear({ upTo }) keeps what was buffered after the count', async () => {
    const { service, core } = open;
    await service.grant(...args(doc('retrying')));
    const retryingBatch = await failedWrite();
    await service.grant(...args(doc('writing')));
    const writing = await core.buffer.claim(100, 60_000); // a writer at work: never discarded
    await service.grantMany([doc('p1'), doc('p2')]);
    await service.revoke(...args(doc('p3')));

    const counted = await service.backlog();
    expect(counted).toEqual({ pending: { writes: 2, deletes: 1, total: 3 }, retrying: 1, writing: 1, position: expect.any(Number) });

    // While the question is open: a new grant, and a newer op on the tuple waiting to retry.
    await service.grant(...args(doc('late')));
    await service.revoke(...args(doc('retrying')));

    expect(await service.clear({ upTo: counted.position })).toBe(4);

    expect(await service.backlog()).toMatchObject({ pending: { writes: 1, deletes: 1, total: 2 }, retrying: 0, writing: 1 });
    const pending = await service.getPendingOperations();
    expect(pending.map((o) => `${o.kind} ${o.object}`).sort()).toEqual(['grant document:late', 'revoke document:retrying']);
    // Only the batch being written is left in flight; the discarded one is gone with its lease and `held` entry.
    expect(await inFlightKeys()).toEqual({
      inflight: [tupleKey(doc('writing'))],
      flight: [tupleKey(doc('writing'))],
      leases: [writing!.id],
      held: [],
      counts: [1, 0],
    });
    expect(await core.buffer.loadBatch(retryingBatch)).toBeUndefined();
    // The revoke that waited on the discarded op is claimable at once; the batch being written is still leased.
    expect(await service.flush()).toMatchObject({ writes: 1, deletes: 1, failed: 0 });
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual([tupleId(doc('late'))]);
    expect(await service.check(...args(doc('p1')))).toBe(false);
  });

  it('clear() discards operations waiting to retry, in steps, leaving nothing of them behind', async () => {
    const { service, core } = open;
    const stepped = new WriteBuffer(core.redis, new LuaScripts(core.redis), core.buffer.keys, undefined, { clearStep: 2 });
    const waiting = ['r1', 'r2', 'r3', 'r4', 'r5'].map((n) => doc(n));
    await service.grantMany(waiting.slice(0, 3));
    await failedWrite();
    await service.grantMany(waiting.slice(3));
    await failedWrite();
    expect(await service.check(...args(waiting[0]))).toBe(true); // a grant waiting to retry counts for checks
    expect(await service.backlog()).toMatchObject({ pending: { total: 0 }, retrying: 5, writing: 0 });
    const calls = jest.spyOn(LuaScripts.prototype, 'run');
    try {
      expect(await stepped.clear()).toBe(5);
      expect(calls.mock.calls.filter(([name]) => name === 'clear-retrying').length).toBeGreaterThanOrEqual(3);
    } finally {
      calls.mockRestore();
    }
    expect(await inFlightKeys()).toEqual({ inflight: [], flight: [], leases: [], held: [], counts: [0, 0] });
    expect(await core.redis.zcard(`${core.buffer.keys.base}ix:document#viewer`)).toBe(0);
    expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
    expect(await service.check(...args(waiting[0]))).toBe(false);
    expect(await service.flush()).toMatchObject({ writes: 0, deletes: 0, failed: 0 });
    expect(await readAllTuples(store.storeId)).toEqual([]);
  });

  it('clear() leaves a batch waiting to retry that a job owns (queue mode: it may be writing it)', async () => {
    const { service, core } = open;
    await service.grant(...args(doc('owned')));
    const id = await failedWrite();
    // A processing of the job takes the batch over (BullMQ's stalled-job recovery): it writes it now.
    expect(await core.buffer.renewLease(id, 60_000, Date.now(), { token: 'job-token', ownMs: 60_000 })).toEqual({ status: 'held' });
    expect(await service.backlog()).toMatchObject({ pending: { total: 0 }, retrying: 0, writing: 1 });
    expect(await service.clear()).toBe(0);
    expect(await core.buffer.loadBatch(id)).toMatchObject({ id });
    expect(await service.status()).toMatchObject({ inFlight: 1 });
  });

  it('clear({ upTo }) refuses what is not a position, and never discards past the position the clear began at', async () => {
    const { service, core } = open;
    for (const upTo of [-1, 1.5, Number.NaN, '3' as unknown as number]) {
      await expect(service.clear({ upTo })).rejects.toThrow(/clear\(\{ upTo \}\) must be a buffer position, an integer >= 0/);
    }
    const stepped = new WriteBuffer(core.redis, new LuaScripts(core.redis), core.buffer.keys, undefined, { clearStep: 2 });
    await service.grantMany(['a', 'b', 'c', 'd', 'e'].map((n) => doc(n)));
    const original = LuaScripts.prototype.run;
    let steps = 0;
    jest.spyOn(LuaScripts.prototype, 'run').mockImplementation(async function (this: LuaScripts, name, keys, argv) {
      const result = await original.call(this, name, keys, argv);
      // Between the first step and the next, as another caller's grant would arrive.
      if (name === 'clear' && ++steps === 1) await service.grant(...args(doc('during')));
      return result;
    });
    try {
      expect(await stepped.clear({ upTo: Number.MAX_SAFE_INTEGER })).toBe(5);
    } finally {
      jest.restoreAllMocks();
    }
    expect((await service.getPendingOperations()).map((o) => o.object)).toEqual(['document:during']);
  });
});

describe('purgeDeadLetters(ids): exactly those ids, in steps', () => {
  let open: OpenService;
  beforeEach(async () => {
    open = openService(testOptions(await freshStore('purge')));
    await open.ready();
  });
  afterEach(() => open.close());

  it(`deletes the ids given, ${PURGE_STEP} per script call, and keeps every other dead letter`, async () => {
    const { service, core } = open;
    // Dead letters as settle writes them (without the mark of a counted tuple: nothing to unmark).
    const letters = Array.from({ length: 1500 }, (_, i) => [
      String(i + 1),
      JSON.stringify({
        tuple: `user:u${i} viewer document:d${i}`,
        op: 'w',
        seq: i + 1,
        enqueuedAt: 1,
        attempts: 1,
        model: '',
        reason: 'x',
        deadAt: 1,
      }),
    ]);
    await core.redis.hset(core.buffer.keys.dead, ...letters.flat());
    const listed = letters.slice(0, 1200).map(([id]) => id);
    const calls = jest.spyOn(LuaScripts.prototype, 'run');
    try {
      expect(await service.purgeDeadLetters([...listed, '1', 'nope'])).toBe(1200);
      expect(calls.mock.calls.filter(([name]) => name === 'purge-dead')).toHaveLength(2);
    } finally {
      calls.mockRestore();
    }
    const left = await service.getDeadLetters();
    expect(left.map((d) => d.id)).toEqual(letters.slice(1200).map(([id]) => id));
  });
});

function args(t: Tuple): [string, string, string] {
  return [t.user, t.relation, t.object];
}
