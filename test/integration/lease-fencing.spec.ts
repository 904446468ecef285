/**
 * Lease fencing on the real servers: the grace before an expired lease is
 * taken back, the re-assertion of a batch's latest ops when its stalled
 * writer's late write landed, the in-flight positions index, the `revoked`
 * time, and `flushSlice`.
 */
import { BatchLease } from '../../src/flush/batch-lease';
import { InlineDispatcher } from '../../src/flush/inline-dispatcher';
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';
import { startSwitchableProxy } from '../support/faults/switchable-proxy';
import { serverEnv } from '../support/harness/env';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lease fencing', () => {
  let store: TestStore;
  let open: OpenService;
  beforeEach(async () => {
    store = await freshStore('fencing');
    open = openService(testOptions(store, { leaseTtl: 2, requestTimeout: 1, changeFeed: { enabled: false } }));
  });
  afterEach(() => open.close());

  it('takes an expired lease back only after the grace that covers a request of its writer in flight', async () => {
    const { core, service } = open;
    expect(core.buffer.graceMs).toBe(2000); // requestTimeout + 1 s
    await service.grant('user:a', 'viewer', 'document:1');
    const batch = await core.buffer.claim(10, 100);
    await sleep(400); // expired, within the grace
    expect(await core.buffer.claim(10, 100)).toBeUndefined();
    expect(await core.buffer.isFlushDue(60_000)).toBe(false);
    await sleep(100 + core.buffer.graceMs);
    expect(await core.buffer.isFlushDue(60_000)).toBe(true);
    expect((await core.buffer.claim(10, 100))?.operations.map((o) => o.key)).toEqual(batch!.operations.map((o) => o.key));
  });

  it('re-asserts the latest op when a stalled writer wrote after its batch was taken over and a newer op was written', async () => {
    const { core, service } = open;
    await service.grant('user:bob', 'viewer', 'document:1');
    const stale = (await core.buffer.claim(10, 100))!;
    await service.revoke('user:bob', 'viewer', 'document:1');
    await sleep(150 + core.buffer.graceMs);
    expect(await service.flush()).toMatchObject({ writes: 0, deletes: 1 }); // took the batch over: the revoke supersedes the grant
    expect(await readAllTuples(store.storeId)).toEqual([]);

    // The stalled writer passed its lease check just before it stalled: its grant lands now, after the revoke.
    const dispatcher = new InlineDispatcher(core.buffer, core.writer, { leaseMs: 60_000, retryBaseMs: 100, retryMaxMs: 100 });
    const lease = new BatchLease(async () => 'held', { leaseMs: 60_000, validUntil: Date.now() + 60_000 });
    const report = await dispatcher.dispatch(stale, lease);
    lease.stop();
    expect(report).toMatchObject({ writes: 1 });
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual(['user:bob viewer document:1']);

    // Its settle found the batch gone and queued the last acknowledged op again.
    expect(await service.getPendingOperations()).toEqual([expect.objectContaining({ kind: 'revoke', user: 'user:bob' })]);
    expect(await service.flush()).toMatchObject({ deletes: 1 });
    expect(await readAllTuples(store.storeId)).toEqual([]);
    expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
  });

  it('re-asserts an in-flight newer op as a pending copy, written after it', async () => {
    const { core, service } = open;
    await service.grant('user:bob', 'viewer', 'document:1');
    const stale = (await core.buffer.claim(10, 100))!;
    await service.revoke('user:bob', 'viewer', 'document:1');
    await sleep(150 + core.buffer.graceMs);
    const taker = (await core.buffer.claim(10, 60_000))!; // the revoke, in flight elsewhere
    expect(taker.operations.map((o) => o.kind)).toEqual(['revoke']);
    await core.writer.write(taker.operations); // lands first ...
    await core.writer.write(stale.operations); // ... then the stale grant
    expect(await core.buffer.settle(stale.id, { acked: stale.operations.map((o) => o.key), dead: [], retryAt: 0 })).toBe(-1);
    expect(await core.buffer.reassert(stale.operations)).toEqual({ queued: 1, unknown: 0 });
    await core.buffer.settle(taker.id, { acked: taker.operations.map((o) => o.key), dead: [], retryAt: 0 });
    expect(await service.flush()).toMatchObject({ deletes: 1 });
    expect(await readAllTuples(store.storeId)).toEqual([]);
  });

  it('keeps in-flight positions in a sorted set: the oldest outstanding is read without the batches', async () => {
    const { core, service } = open;
    const t1 = await service.grant('user:a', 'viewer', 'document:1');
    await service.grant('user:b', 'viewer', 'document:2');
    await service.grant('user:c', 'viewer', 'document:3');
    const first = core.tokens.decode(t1);
    const batch = (await core.buffer.claim(2, 60_000))!;
    expect(await core.redis.zrange(core.buffer.keys.flight, 0, -1, 'WITHSCORES')).toEqual([
      'user:a viewer document:1',
      String(first),
      'user:b viewer document:2',
      String(first + 1),
    ]);
    expect((await core.buffer.positions()).oldestOutstanding).toBe(first);
    await core.buffer.settle(batch.id, { acked: ['user:a viewer document:1'], dead: [], retryAt: Date.now() + 60_000 });
    expect((await core.buffer.positions()).oldestOutstanding).toBe(first + 1);
    await core.buffer.release(batch.id);
    expect(await core.redis.zcard(core.buffer.keys.flight)).toBe(0);
    expect((await core.buffer.positions()).oldestOutstanding).toBe(first + 1);
    await service.flush();
    expect(await core.buffer.positions()).toEqual({ oldestOutstanding: null, latest: first + 2 });
  });

  it('reads the batches instead while the in-flight index disagrees with the in-flight count (claimed by an older version)', async () => {
    const { core, service } = open;
    const token = await service.grant('user:a', 'viewer', 'document:1');
    await service.grant('user:b', 'viewer', 'document:2');
    await core.buffer.claim(1, 60_000);
    await core.redis.del(core.buffer.keys.flight); // as an older version leaves it
    expect((await core.buffer.positions()).oldestOutstanding).toBe(core.tokens.decode(token));
  });

  it('records when an op was last settled, a grant as a revoke (only ever later)', async () => {
    const { core, service } = open;
    expect(await core.redis.get(core.buffer.keys.revoked)).toBeNull();
    for (const kind of ['grant', 'revoke'] as const) {
      const before = Date.now();
      await service[kind]('user:a', 'viewer', 'document:1');
      await service.flush();
      const at = Number(await core.redis.get(core.buffer.keys.revoked));
      expect([kind, at >= before && at <= Date.now()]).toEqual([kind, true]);
    }
    await core.redis.set(core.buffer.keys.revoked, String(Date.now() + 60_000));
    await service.revoke('user:b', 'viewer', 'document:1');
    await service.flush();
    expect(Number(await core.redis.get(core.buffer.keys.revoked))).toBeGreaterThan(Date.now() + 50_000);
  });

  it('flushSlice returns at once while this process is flushing, else runs a bounded flush', async () => {
    const proxy = await startSwitchableProxy(serverEnv().apiUrl, 'hold');
    const slow = openService({
      ...testOptions(store, { apiUrl: proxy.url, leaseTtl: 2, requestTimeout: 1 }),
      prefix: open.core.options.prefix,
    });
    try {
      await open.service.grant('user:a', 'viewer', 'document:1');
      const running = slow.core.flusher.flush(); // held by the proxy up to requestTimeout
      await sleep(50);
      const started = Date.now();
      expect(slow.core.flusher.flushSlice(500)).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(50);
      await running;
      proxy.mode = 'forward';
      await open.service.grant('user:b', 'viewer', 'document:2');
      const slice = slow.core.flusher.flushSlice(5000);
      expect(slice).toBeDefined();
      expect(await slice).toMatchObject({ failed: 0 });
    } finally {
      await slow.close();
      await proxy.close();
    }
  });
});
