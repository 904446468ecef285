/**
 * docs/design.md §2 invariants 1-4 on the real servers: nothing acknowledged is lost,
 * last operation wins per tuple, flushing is idempotent, one bad tuple does
 * not block the rest.
 */
import { OpenFgaClient } from '@openfga/sdk';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { openServiceBehindModel } from '../support/harness/model-behind';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';
import { freePort } from '../support/harness/servers';
import { startSwitchableProxy } from '../support/faults/switchable-proxy';
import { eventually } from '../support/state/flush-queue-state';

describe('buffer invariants', () => {
  let store: TestStore;
  let open: OpenService;
  beforeEach(async () => {
    store = await freshStore('invariants');
    open = openService(testOptions(store, { leaseTtl: 2, requestTimeout: 1, retryBaseDelay: 0.05, retryMaxDelay: 0.2 }));
  });
  afterEach(() => open.close());

  describe('1. nothing acknowledged is lost', () => {
    it('keeps an acknowledged grant in Redis until OpenFGA accepted it', async () => {
      const { service } = open;
      await service.grant('user:a', 'viewer', 'document:1');
      const pending = await service.getPendingOperations();
      expect(pending).toEqual([
        expect.objectContaining({ kind: 'grant', user: 'user:a', relation: 'viewer', object: 'document:1', attempts: 0 }),
      ]);
      expect(pending[0].enqueuedAt).toBeLessThanOrEqual(Date.now());
      await service.flush();
      expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
      expect(await readAllTuples(store.storeId)).toHaveLength(1);
    });

    it('returns a claimed batch to the buffer when its lease expires (a flusher that died)', async () => {
      const { core, service } = open;
      await service.grantMany([
        { user: 'user:a', relation: 'viewer', object: 'document:1' },
        { user: 'user:b', relation: 'viewer', object: 'document:2' },
      ]);
      const batch = await core.buffer.claim(10, 300); // claimed, never settled: its process "died"
      expect(batch?.operations).toHaveLength(2);
      expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 2 });
      expect(await core.buffer.claim(10, 300)).toBeUndefined(); // still leased: nobody else takes it
      await new Promise((r) => setTimeout(r, 350 + core.buffer.graceMs)); // expired, plus the grace its writer gets
      const result = await service.flush();
      expect(result).toMatchObject({ writes: 2, failed: 0 });
      expect((await readAllTuples(store.storeId)).map(tupleId).sort()).toEqual(['user:a viewer document:1', 'user:b viewer document:2']);
      expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
    });

    /** Another "process" on the same buffer whose OpenFGA is unreachable (nothing listens on its port). */
    const openUnreachable = async (retryBaseDelay: number, retryMaxDelay: number) =>
      openService({
        ...testOptions(store),
        prefix: open.core.options.prefix,
        apiUrl: `http://127.0.0.1:${await freePort()}`,
        requestTimeout: 1,
        retryBaseDelay,
        retryMaxDelay,
      });

    it('keeps operations buffered while OpenFGA is unreachable, then writes them', async () => {
      const down = await openUnreachable(0.05, 0.1);
      try {
        await down.service.grant('user:a', 'viewer', 'document:1');
        const failed = await down.service.flush();
        expect(failed).toMatchObject({ writes: 0, failed: 1, deadLettered: 0 });
        expect(failed.error).toBeTruthy();
        expect(await down.service.status()).toMatchObject({ inFlight: 1, deadLettered: 0 }); // leased until its backoff ends
        await new Promise((r) => setTimeout(r, 250));
        expect(await open.service.flush()).toMatchObject({ writes: 1, failed: 0 });
        expect(await readAllTuples(store.storeId)).toHaveLength(1);
      } finally {
        await down.close();
      }
    });

    it('returns operations waiting out a backoff as soon as a write succeeds again, not after retryMaxDelay', async () => {
      const down = await openUnreachable(30, 60); // a backoff far longer than this test
      try {
        await down.service.grant('user:a', 'viewer', 'document:1');
        expect(await down.service.flush()).toMatchObject({ writes: 0, failed: 1 });
        expect(await open.service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 1 });
        // OpenFGA is reachable again: the next batch written in full ends the wait of the held one.
        await open.service.grant('user:b', 'viewer', 'document:2');
        await open.service.flush();
        await open.service.flush();
        expect(await open.service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
        expect((await readAllTuples(store.storeId)).map(tupleId).sort()).toEqual(['user:a viewer document:1', 'user:b viewer document:2']);
      } finally {
        await down.close();
      }
    });

    it('with no new writes, the age trigger probes a held batch once OpenFGA is back, long before its backoff ends', async () => {
      const proxy = await startSwitchableProxy(serverEnv().apiUrl, 'refuse');
      const flushing = openService({
        ...testOptions(store, { autoFlush: true, flushInterval: 0.2 }),
        prefix: open.core.options.prefix,
        apiUrl: proxy.url,
        requestTimeout: 1,
        retryBaseDelay: 30,
        retryMaxDelay: 60,
      });
      flushing.service.onApplicationBootstrap(); // the size and age triggers, as in an application
      try {
        await flushing.service.grantMany([
          { user: 'user:a', relation: 'viewer', object: 'document:1' },
          { user: 'user:b', relation: 'viewer', object: 'document:2' },
        ]);
        // The triggers try, fail and hold the batch for its 30 s backoff; each interval probes it again.
        await eventually('a failed flush', async () => (proxy.connections.refuse > 0 ? true : undefined), 5_000);
        await eventually('the batch held', async () => ((await flushing.service.status()).inFlight === 2 ? true : undefined), 5_000);
        proxy.mode = 'forward';
        await eventually(
          'the held batch written',
          async () => ((await readAllTuples(store.storeId)).length === 2 ? true : undefined),
          10_000,
        );
        // OpenFGA holds the tuples before the flusher settles the batch: wait for the settle too.
        await eventually(
          'the held batch settled',
          async () => ((await flushing.service.status()).inFlight === 0 ? true : undefined),
          5_000,
        );
        expect(await flushing.service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0, deadLettered: 0 });
      } finally {
        await flushing.close();
        await proxy.close();
      }
    });

    it('never returns early a batch a job still owns between its attempts', async () => {
      const { core, service } = open;
      await service.grant('user:a', 'viewer', 'document:1');
      const owned = await core.buffer.claim(10, 60_000);
      // Queue mode between BullMQ attempts: the job keeps the batch leased, not held.
      expect(await core.buffer.settle(owned!.id, { acked: [], dead: [], retryAt: Date.now() + 60_000, held: false })).toBe(1);
      await service.grant('user:b', 'viewer', 'document:2');
      expect(await service.flush()).toMatchObject({ writes: 1, failed: 0 });
      expect(await core.buffer.loadBatch(owned!.id)).toMatchObject({ id: owned!.id });
      expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 1 });
    });
  });

  describe('2. last operation wins, per tuple', () => {
    it('coalesces repeated grants and grant-then-revoke to the last operation', async () => {
      const { service } = open;
      await service.grant('user:a', 'viewer', 'document:1');
      await service.grant('user:a', 'viewer', 'document:1');
      await service.grant('user:b', 'viewer', 'document:1');
      await service.revoke('user:b', 'viewer', 'document:1');
      const pending = await service.getPendingOperations();
      expect(pending.map((p) => `${p.kind} ${p.user}`)).toEqual(['grant user:a', 'revoke user:b']);
      expect(await service.status()).toMatchObject({ pending: { writes: 1, deletes: 1, total: 2 } });
      await service.flush();
      expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual(['user:a viewer document:1']);
    });

    it('never has two operations on one tuple in flight: a later op waits for the earlier one', async () => {
      const { core, service } = open;
      await service.grant('user:a', 'viewer', 'document:1');
      const first = await core.buffer.claim(10, 10_000);
      expect(first?.operations.map((o) => o.kind)).toEqual(['grant']);
      await service.revoke('user:a', 'viewer', 'document:1');
      expect(await core.buffer.claim(10, 10_000)).toBeUndefined(); // the revoke waits
      expect(await service.check('user:a', 'viewer', 'document:1')).toBe(false); // but reads already see it
      // The grant lands, then its settle releases the revoke.
      await core.writer.write(first!.operations);
      await core.buffer.settle(first!.id, { acked: first!.operations.map((o) => o.key), dead: [], retryAt: 0 });
      const second = await core.buffer.claim(10, 10_000);
      expect(second?.operations.map((o) => o.kind)).toEqual(['revoke']);
      await core.writer.write(second!.operations);
      await core.buffer.settle(second!.id, { acked: second!.operations.map((o) => o.key), dead: [], retryAt: 0 });
      expect(await readAllTuples(store.storeId)).toEqual([]);
    });

    it('drops an expired in-flight op when a newer one on the same tuple is waiting', async () => {
      const { core, service } = open;
      await service.grant('user:a', 'viewer', 'document:1');
      await core.buffer.claim(10, 100); // dies holding the grant
      await service.revoke('user:a', 'viewer', 'document:1');
      await new Promise((r) => setTimeout(r, 150 + core.buffer.graceMs));
      const result = await service.flush();
      expect(result).toMatchObject({ writes: 0, deletes: 1 });
      expect(await readAllTuples(store.storeId)).toEqual([]);
    });
  });

  describe('3. flushing is idempotent', () => {
    it('replays a batch that was written but never acknowledged without failing', async () => {
      const { core, service } = open;
      await service.grant('user:a', 'viewer', 'document:1');
      await service.revoke('user:z', 'viewer', 'document:1'); // missing in OpenFGA: delete must not fail
      const batch = await core.buffer.claim(10, 100);
      const firstWrite = await core.writer.write(batch!.operations); // written, then the process "crashed" before settle
      expect(firstWrite.written).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 150 + core.buffer.graceMs));
      const replay = await service.flush();
      expect(replay).toMatchObject({ writes: 1, deletes: 1, failed: 0, deadLettered: 0 });
      expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual(['user:a viewer document:1']);
    });

    it('accepts a grant of a tuple that already exists in OpenFGA', async () => {
      const sdk = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });
      await sdk.writeTuples([{ user: 'user:a', relation: 'viewer', object: 'document:1' }]);
      await open.service.grant('user:a', 'viewer', 'document:1');
      expect(await open.service.flush()).toMatchObject({ writes: 1, failed: 0, deadLettered: 0 });
    });
  });

  describe('4. one bad tuple does not block the rest', () => {
    // The poisons pass the model the service read; the store's model changes before the flush.
    beforeEach(async () => {
      await open.close();
      open = await openServiceBehindModel(store, { leaseTtl: 2, requestTimeout: 1, retryBaseDelay: 0.05, retryMaxDelay: 0.2 });
    });

    it('dead-letters only the poison tuples with the server message; the rest is written', async () => {
      const { service } = open;
      const good = Array.from({ length: 30 }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: `document:d${i}` }));
      await service.grantMany(good.slice(0, 15));
      await service.grant('user:p', 'no_such_relation', 'document:poison');
      await service.grant('user:p', 'viewer', 'no_such_type:x');
      await service.grantMany(good.slice(15));
      const result = await service.flush();
      expect(result).toMatchObject({ writes: 30, deadLettered: 2, failed: 0 });
      expect((await readAllTuples(store.storeId)).map(tupleId).sort()).toEqual(good.map(tupleId).sort());
      const dead = await service.getDeadLetters();
      expect(dead.map((d) => `${d.operation.relation} ${d.operation.object}`).sort()).toEqual([
        'no_such_relation document:poison',
        'viewer no_such_type:x',
      ]);
      for (const d of dead) expect(d.reason).toMatch(/relation|type/i);
      expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0, deadLettered: 2 });
    });

    it('retries and purges dead letters; a newer op on the tuple supersedes a retry', async () => {
      const { service } = open;
      await service.grant('user:p', 'no_such_relation', 'document:1');
      await service.grant('user:q', 'no_such_relation', 'document:2');
      await service.flush();
      const [first, second] = await service.getDeadLetters();
      await service.revoke('user:q', 'no_such_relation', 'document:2'); // newer op on the second tuple
      expect(await service.retryDeadLetters([first.id, second.id])).toEqual({
        requeued: 1,
        superseded: 1,
        supersededIds: [second.id],
      });
      expect((await service.getPendingOperations()).map((o) => `${o.kind} ${o.user}`)).toEqual(['revoke user:q', 'grant user:p']);
      await service.clear();
      await service.flush();
      expect(await service.purgeDeadLetters()).toBe(0);
      await service.grant('user:p', 'no_such_relation', 'document:1');
      await service.flush();
      expect(await service.purgeDeadLetters()).toBe(1);
      expect((await service.status()).deadLettered).toBe(0);
    });
  });

  describe('chunking and clear', () => {
    it('splits a batch larger than the server tuples-per-write limit', async () => {
      const chunked = openService(testOptions(store, { batchSize: 250, maxTuplesPerWrite: 100, maxParallelRequests: 2 }));
      try {
        const tuples = Array.from({ length: 250 }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: 'document:big' }));
        await chunked.service.grantMany(tuples);
        expect(await chunked.service.flush()).toMatchObject({ writes: 250, failed: 0, deadLettered: 0 });
        expect(await readAllTuples(store.storeId)).toHaveLength(250);
      } finally {
        await chunked.close();
      }
    });

    it('clear() discards pending operations but never in-flight ones', async () => {
      const { core, service } = open;
      await service.grant('user:a', 'viewer', 'document:1');
      const inFlight = await core.buffer.claim(10, 10_000);
      await service.grant('user:b', 'viewer', 'document:1');
      await service.revoke('user:a', 'viewer', 'document:1'); // waits behind the in-flight grant
      expect(await service.clear()).toBe(2);
      expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 1 });
      await core.writer.write(inFlight!.operations);
      await core.buffer.settle(inFlight!.id, { acked: inFlight!.operations.map((o) => o.key), dead: [], retryAt: 0 });
      expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual(['user:a viewer document:1']);
    });

    it('clear() also discards an op that a claim took out of the queue because its tuple was in flight', async () => {
      const { core, service } = open;
      await service.grant('user:a', 'viewer', 'document:2');
      const inFlight = await core.buffer.claim(10, 10_000);
      await service.revoke('user:a', 'viewer', 'document:2'); // waits behind the in-flight grant
      // The next claim finds the tuple still in flight: the revoke leaves the queue until the grant settles.
      expect(await core.buffer.claim(10, 10_000)).toBeUndefined();
      expect(await core.redis.zcard(core.buffer.keys.queue)).toBe(0);
      expect(await service.clear()).toBe(1);
      expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 1 });
      await core.writer.write(inFlight!.operations);
      await core.buffer.settle(inFlight!.id, { acked: inFlight!.operations.map((o) => o.key), dead: [], retryAt: 0 });
      // Settling the grant finds no revoke to queue again: it was discarded, so the grant stands.
      expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
      expect(await service.check('user:a', 'viewer', 'document:2')).toBe(true);
    });
  });
});
