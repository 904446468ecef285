/**
 * R1 — the flushing process (inline flusher, and BullMQ queue worker) is
 * killed with SIGKILL at random points while operations keep coming in.
 * Must hold (docs/design.md §2 invariants 1 and 2): no acknowledged operation is
 * lost, and OpenFGA ends equal to the last acknowledged operation per tuple.
 *
 * The flushers reach OpenFGA through a loopback proxy that delays each
 * request a little (a slow network), so kills often land while a batch is
 * claimed or being written. Short mode: 5 rounds each; full: 50 rounds each.
 */
import type { OpenFgaModuleOptions, Tuple } from '../../src';
import { ChildEvent, killAllChildren, startChild } from '../support/processes/child-process';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { inspectFlushQueue } from '../support/state/flush-queue-state';
import { compareStore, startLoad } from '../support/reliability/ledger';
import { quietNestLogs, RELIABILITY_SEED, reportFigures, round1, scaled, seededRandom, sleep, until } from '../support/reliability/scale';
import { OpenService, openService } from '../support/harness/service';
import { startSwitchableProxy, SwitchableProxy } from '../support/faults/switchable-proxy';

const ROUNDS = scaled(5, 50);
const LEASE_TTL = 2;

/** 4 lanes × 300 tuples; owner (users only) and viewer tuples over shared users and documents. */
const tuple = (lane: number, i: number): Tuple => ({
  user: `user:l${lane}u${i % 30}`,
  relation: i % 4 === 0 ? 'owner' : 'viewer',
  object: `document:l${lane}d${Math.floor(i / 30)}`,
});

/** Flushes from the test process until nothing is pending or leased (leases of killed processes expire first). */
async function drain(open: OpenService, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await until(
    'buffer drained',
    async () => {
      await open.service.flush();
      const s = await open.service.status();
      return s.pending.total === 0 && s.inFlight === 0;
    },
    timeoutMs,
    200,
  );
  return Date.now() - started;
}

describe('R1: the flushing process killed with SIGKILL at random points, under load', () => {
  let proxy: SwitchableProxy;
  const random = seededRandom(RELIABILITY_SEED);

  beforeAll(async () => {
    quietNestLogs();
    proxy = await startSwitchableProxy(serverEnv().apiUrl);
    proxy.delayMs = 15;
  });
  afterAll(async () => {
    killAllChildren();
    await proxy?.close();
  });

  it(
    `inline flusher: ${ROUNDS} random SIGKILLs lose nothing and OpenFGA ends equal to the last op per tuple`,
    async () => {
      const store = await freshStore('r1-inline');
      const options: OpenFgaModuleOptions = testOptions(store, {
        apiUrl: proxy.url,
        batchSize: 25,
        maxParallelRequests: 4,
        leaseTtl: LEASE_TTL,
        requestTimeout: 1,
        retryBaseDelay: 0.1,
        retryMaxDelay: 1,
        changeFeed: { enabled: false },
      });
      const producer = openService({ ...options, apiUrl: serverEnv().apiUrl });
      const load = startLoad(producer.service, {
        lanes: 4,
        tuplesPerLane: 300,
        tuple,
        opsPerSecond: 600,
        maxOps: 1_000_000,
        maxMs: ROUNDS * 8000 + 30_000,
        random,
      });
      let killedHoldingBatches = 0;
      let opsHeldAtKills = 0;
      let batchesSettled = 0;
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const child = startChild('reliability-flusher.ts', options, { RELIABILITY_TRACE_CLAIMS: '1' });
          await child.waitFor((e) => e.event === 'ready');
          await sleep(100 + random() * 900);
          child.process.kill('SIGKILL');
          await child.exited;
          const held = heldBatches(child.events);
          if (held.batches > 0) killedHoldingBatches++;
          opsHeldAtKills += held.operations;
          batchesSettled += child.events.filter((e) => e.event === 'settled').length;
        }
        await load.stop();
        expect(load.errors).toEqual([]);
        await sleep(LEASE_TTL * 1000 + 200); // the last kills' leases expire
        const drainMs = await drain(producer, 30_000);
        const diff = await compareStore(serverEnv().apiUrl, store.storeId, load.ledger);
        const status = await producer.service.status();
        reportFigures(
          'R1-inline',
          `${ROUNDS} SIGKILLs of the inline flusher under load (${load.ledger.acked} ops acknowledged), ` +
            `${killedHoldingBatches} while holding claimed batches (${opsHeldAtKills} ops leased at the kill), ` +
            `${batchesSettled} batches settled by killed processes; lost ${diff.missing.length}, wrong ${diff.unexpected.length}; ` +
            `final drain ${round1(drainMs / 1000)} s`,
          {
            rounds: ROUNDS,
            acked: load.ledger.acked,
            killedHoldingBatches,
            opsHeldAtKills,
            batchesSettled,
            missing: diff.missing.length,
            unexpected: diff.unexpected.length,
            tuplesExpected: diff.expected,
            drainMs,
            deadLettered: status.deadLettered,
          },
        );
        expect(killedHoldingBatches).toBeGreaterThan(0); // the kills really interrupted flushes
        expect(diff).toMatchObject({ missing: [], unexpected: [] });
        expect(status).toMatchObject({ pending: { total: 0 }, inFlight: 0, deadLettered: 0 });
      } finally {
        await load.stop();
        await producer.close();
      }
    },
    ROUNDS * 9000 + 90_000,
  );

  it(
    `queue worker: ${ROUNDS} random SIGKILLs of the worker process lose nothing and OpenFGA ends equal to the last op per tuple`,
    async () => {
      const store = await freshStore('r1-queue');
      const options: OpenFgaModuleOptions = testOptions(store, {
        apiUrl: proxy.url,
        batchSize: 25,
        leaseTtl: LEASE_TTL,
        requestTimeout: 1,
        changeFeed: { enabled: false },
        queue: { enabled: true, attempts: 3, backoff: 0.2, timeout: 1, worker: true, concurrency: 4 },
      });
      // The producer (this process) claims batches and enqueues jobs; only the worker processes write.
      const producer = openService({ ...options, queue: { ...options.queue, worker: false } });
      const queue = inspectFlushQueue(options);
      const load = startLoad(producer.service, {
        lanes: 4,
        tuplesPerLane: 300,
        tuple,
        opsPerSecond: 400,
        maxOps: 1_000_000,
        maxMs: ROUNDS * 10_000 + 60_000,
        random,
      });
      let flushing = true;
      const flushLoop = (async () => {
        while (flushing) {
          await producer.service.flush().catch(() => undefined);
          await sleep(100);
        }
      })();
      let killedWithActiveJobs = 0;
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const worker = startChild('queue-worker-process.ts', options);
          await worker.waitFor((e) => e.event === 'ready');
          await sleep(200 + random() * 1300);
          // Mostly kill while a job runs (waiting at most 1 s for one), sometimes wherever the worker is.
          if (random() < 0.7) await until('an active job', async () => (await queue.getActiveCount()) > 0, 1000, 5).catch(() => undefined);
          if ((await queue.getActiveCount()) > 0) killedWithActiveJobs++;
          worker.process.kill('SIGKILL');
          await worker.exited;
        }
        await load.stop();
        expect(load.errors).toEqual([]);
        // One worker that is not killed writes what is left; leased batches of lost jobs return when their lease expires.
        const last = startChild('queue-worker-process.ts', options);
        await last.waitFor((e) => e.event === 'ready');
        const started = Date.now();
        await until(
          'buffer drained through the queue',
          async () => {
            const s = await producer.service.status();
            return s.pending.total === 0 && s.inFlight === 0;
          },
          90_000,
          200,
        );
        const drainMs = Date.now() - started;
        flushing = false;
        await flushLoop;
        last.process.kill('SIGTERM');
        await last.exited;
        const diff = await compareStore(serverEnv().apiUrl, store.storeId, load.ledger);
        const status = await producer.service.status();
        const failedJobs = await queue.getFailed();
        const stalledOut = failedJobs.filter((j) => /stalled/i.test(j.failedReason ?? '')).length;
        reportFigures(
          'R1-queue',
          `${ROUNDS} SIGKILLs of the queue worker under load (${load.ledger.acked} ops acknowledged), ` +
            `${killedWithActiveJobs} with active jobs; ${failedJobs.length} jobs failed (${stalledOut} stalled twice, their batches ` +
            `returned by lease expiry); lost ${diff.missing.length}, wrong ${diff.unexpected.length}; final drain ${round1(drainMs / 1000)} s`,
          {
            rounds: ROUNDS,
            acked: load.ledger.acked,
            killedWithActiveJobs,
            failedJobs: failedJobs.length,
            stalledOut,
            missing: diff.missing.length,
            unexpected: diff.unexpected.length,
            tuplesExpected: diff.expected,
            drainMs,
            deadLettered: status.deadLettered,
          },
        );
        expect(killedWithActiveJobs).toBeGreaterThan(0);
        expect(diff).toMatchObject({ missing: [], unexpected: [] });
        expect(status).toMatchObject({ pending: { total: 0 }, inFlight: 0, deadLettered: 0 });
      } finally {
        flushing = false;
        await flushLoop;
        await load.stop();
        await queue.close();
        await producer.close();
      }
    },
    ROUNDS * 12_000 + 150_000,
  );
});

/** Batches the child had claimed but not settled when it was killed (from its claim/settle trace). */
function heldBatches(events: readonly ChildEvent[]): { batches: number; operations: number } {
  const open = new Map<string, number>();
  for (const e of events) {
    if (e.event === 'claimed') open.set(String(e.batchId), Number(e.operations));
    if (e.event === 'settled' && Number(e.left) <= 0) open.delete(String(e.batchId));
  }
  return { batches: open.size, operations: [...open.values()].reduce((a, b) => a + b, 0) };
}
