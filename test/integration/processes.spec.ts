/**
 * Several real Node processes on one buffer: concurrent flushers never lose
 * or double-write an operation, and a flusher killed with SIGKILL mid-flush
 * loses nothing once its lease expires (docs/design.md §2 invariants 1 and 2, §4).
 */
import { killAllChildren, startChild } from '../support/processes/child-process';
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { openService } from '../support/harness/service';

const grants = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({ user: `user:${tag}${i}`, relation: 'viewer', object: `document:${tag}${i % 97}` }));

describe('many processes on one buffer', () => {
  afterEach(killAllChildren);

  it('two processes flushing the same buffer at once write every operation exactly once', async () => {
    const store = await freshStore('two-flushers');
    const options = testOptions(store, { batchSize: 50, maxParallelRequests: 2 });
    const seed = openService(options);
    try {
      const ops = grants(1500, 'g');
      for (let i = 0; i < ops.length; i += 500) await seed.service.grantMany(ops.slice(i, i + 500));
      // Revokes of half of a pre-existing set, interleaved.
      await seed.service.revokeMany(ops.slice(0, 100));
      const children = [0, 1].map(() => startChild('flush-process.ts', options, { WAIT_FOR_GO: '1' }));
      await Promise.all(children.map((c) => c.waitFor((e) => e.event === 'ready')));
      children.forEach((c) => c.send('go')); // both start flushing at the same moment
      const results = await Promise.all(children.map((c) => c.waitFor((e) => e.event === 'done', 60_000)));
      const total = results.reduce((n, r) => n + Number(r.writes) + Number(r.deletes), 0);
      expect(results.map((r) => Number(r.failed) + Number(r.deadLettered))).toEqual([0, 0]);
      expect(total).toBe(1500); // 1400 grants + 100 revokes coalesced over their grants: no op written twice, none skipped
      expect(results.every((r) => Number(r.writes) + Number(r.deletes) > 0)).toBe(true); // both really took part
      expect((await readAllTuples(store.storeId)).map(tupleId).sort()).toEqual(ops.slice(100).map(tupleId).sort());
      expect(await seed.service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0, deadLettered: 0 });
    } finally {
      await seed.close();
    }
  });

  it('a flusher killed with SIGKILL mid-flush loses nothing: its leased batches return when the lease expires', async () => {
    const store = await freshStore('sigkill');
    const options = testOptions(store, { batchSize: 20, maxParallelRequests: 4, leaseTtl: 2, requestTimeout: 1 });
    const seed = openService(options);
    try {
      const ops = grants(3000, 'k');
      for (let i = 0; i < ops.length; i += 500) await seed.service.grantMany(ops.slice(i, i + 500));
      let sawInFlightAfterKill = false;
      for (let round = 0; round < 5 && !sawInFlightAfterKill; round++) {
        const child = startChild('flush-process.ts', options);
        await child.waitFor((e) => e.event === 'progress' || e.event === 'done');
        child.process.kill('SIGKILL');
        await child.exited;
        const status = await seed.service.status();
        sawInFlightAfterKill = status.inFlight > 0;
      }
      expect(sawInFlightAfterKill).toBe(true); // the kill really happened with leased batches held
      expect((await readAllTuples(store.storeId)).length).toBeLessThan(3000);
      await new Promise((r) => setTimeout(r, 2100 + seed.core.buffer.graceMs)); // lease expiry, plus the grace its writer gets
      const result = await seed.service.flush();
      expect(result).toMatchObject({ failed: 0, deadLettered: 0 });
      expect((await readAllTuples(store.storeId)).map(tupleId).sort()).toEqual(ops.map(tupleId).sort());
      expect(await seed.service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
    } finally {
      await seed.close();
    }
  });
});
