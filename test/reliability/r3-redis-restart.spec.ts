/**
 * R3 — Redis killed with SIGKILL and restarted, with AOF persistence
 * (`appendonly yes`, `appendfsync everysec`), while operations keep coming.
 *
 * Must hold:
 * - nothing is lost that Redis persisted: after the restart every operation
 *   Redis still holds ends in OpenFGA;
 * - the bound: every operation acknowledged more than 2 s before the kill
 *   survives (everysec may lose up to ~1 s on a crash of the machine; a
 *   killed redis-server process loses only what it had not yet written to
 *   the AOF file);
 * - the application reconnects by itself: the same service (and its flush
 *   triggers, and in queue mode its BullMQ worker) works again after the
 *   restart without being recreated.
 * Reports what was lost and how old it was.
 */
import { randomUUID } from 'node:crypto';
import type { OpenFgaModuleOptions, Tuple } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { compareStore, diffSets, Ledger, readStore, startLoad, tupleId } from '../support/reliability/ledger';
import {
  maxOf,
  quietNestLogs,
  RELIABILITY_SEED,
  reportFigures,
  round1,
  scaled,
  seededRandom,
  sleep,
  until,
} from '../support/reliability/scale';
import { RunningRedis, startRedis } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';

const LOAD_S = scaled(2, 10);
const AFTER_S = scaled(1, 5);
/** The documented bound: operations acknowledged longer ago than this before a crash survive it. */
const BOUND_MS = 2000;

const tuple = (lane: number, i: number): Tuple => ({
  user: `user:l${lane}u${i % 50}`,
  relation: 'viewer',
  object: `document:l${lane}d${Math.floor(i / 50)}`,
});

/** How long after the restart the same service instance takes to acknowledge a grant again. */
async function reconnectMs(open: OpenService, restartedAt: number): Promise<number> {
  await until('a grant acknowledged after the restart', () => open.service.grant('user:probe', 'viewer', 'document:probe'), 30_000, 20);
  return Date.now() - restartedAt;
}

describe('R3: Redis restarted (AOF appendfsync everysec)', () => {
  let redis: RunningRedis;
  const random = seededRandom(RELIABILITY_SEED + 3);

  beforeAll(async () => {
    quietNestLogs('silent');
    redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'everysec'] });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** Loads the buffer (no flush), kills Redis, and accounts for every acknowledged op against what Redis kept. */
  async function killWithoutFlushing(target: RunningRedis) {
    const store = await freshStore('r3-buffer');
    const open = openService(
      testOptions(store, { redis: target.url, prefix: `r3${randomUUID().slice(0, 8)}`, changeFeed: { enabled: false } }),
    );
    try {
      const load = startLoad(open.service, { lanes: 8, tuplesPerLane: 2000, tuple, maxOps: 2_000_000, maxMs: 120_000, random });
      await sleep(LOAD_S * 1000);
      const stopping = load.stop(); // no new calls; the few in flight finish after the restart
      const killAt = Date.now();
      await target.restart();
      const restartedAt = Date.now();
      await stopping;
      const reconnect = await reconnectMs(open, restartedAt);

      // What Redis persisted: nothing was flushed, so the buffer holds the last kept op of every tuple.
      const kept = new Map((await open.service.getPendingOperations(10_000_000)).map((o) => [o.key, o]));
      const lost: { id: string; ageMs: number }[] = [];
      for (const [id, op] of load.ledger.last) {
        if (op.ackAt >= killAt) continue; // acknowledged after the restart (resent by the client)
        const record = kept.get(id);
        if (!record || record.seq !== op.seq || record.kind !== op.kind) lost.push({ id, ageMs: killAt - op.ackAt });
      }
      const ackedInLastSecond = [...load.ledger.last.values()].filter((op) => op.ackAt < killAt && killAt - op.ackAt <= 1000).length;

      expect(await open.service.flush()).toMatchObject({ failed: 0, deadLettered: 0 });
      const persistedGrants = [...kept.values()].filter((o) => o.kind === 'grant').map((o) => o.key);
      const inOpenFga = await readStore(serverEnv().apiUrl, store.storeId);
      const persistedDiff = diffSets([...persistedGrants, 'user:probe viewer document:probe'].sort(), inOpenFga);

      return {
        acked: load.ledger.acked,
        writeFailures: load.ledger.failed,
        ackedInLastSecond,
        lost,
        maxLostAgeMs: maxOf(lost.map((l) => l.ageMs)),
        keptOps: kept.size,
        persistedDiff,
        reconnectMs: reconnect,
        probeAllowed: await open.service.check('user:probe', 'viewer', 'document:probe'),
      };
    } finally {
      await open.close();
    }
  }

  it('without flushing: every op acknowledged more than 2 s before the SIGKILL survives; what Redis kept all reaches OpenFGA', async () => {
    const r = await killWithoutFlushing(redis);
    reportFigures(
      'R3-buffer',
      `SIGKILL of redis-server (AOF everysec) after ${r.acked} acknowledged ops (${r.ackedInLastSecond} tuples last written ` +
        `in the final second): ${r.lost.length} lost (oldest ${r.maxLostAgeMs} ms before the kill); ${r.persistedDiff.missing.length} of the ` +
        `${r.keptOps} ops Redis kept missing from OpenFGA; same service acknowledged writes again ${r.reconnectMs} ms after the restart`,
      { appendfsync: 'everysec', ...r, lost: r.lost.length, persistedDiff: undefined, persistedMissing: r.persistedDiff.missing.length },
    );
    expect(r.lost.filter((l) => l.ageMs > BOUND_MS)).toEqual([]);
    expect(r.persistedDiff).toEqual({ missing: [], unexpected: [] });
    expect(r.probeAllowed).toBe(true);
  }, 120_000);

  it('control: the same measurement without persistence reports the loss (the detector works)', async () => {
    const volatile = await startRedis();
    try {
      const r = await killWithoutFlushing(volatile);
      reportFigures(
        'R3-control',
        `control without persistence (no AOF, no RDB): ${r.lost.length} of ${r.acked} acknowledged ops' tuples lost by the same SIGKILL`,
        { appendonly: 'no', acked: r.acked, lost: r.lost.length, maxLostAgeMs: r.maxLostAgeMs },
      );
      expect(r.lost.length).toBeGreaterThan(0);
      expect(r.persistedDiff).toEqual({ missing: [], unexpected: [] });
    } finally {
      await volatile.stop();
    }
  }, 120_000);

  it.each(['inline', 'queue'] as const)(
    '%s, flushing while Redis is killed: the same service reconnects, its triggers drain the backlog, nothing older than 2 s is lost',
    async (mode) => {
      const store = await freshStore(`r3-${mode}`);
      const options: OpenFgaModuleOptions = testOptions(store, {
        redis: redis.url,
        prefix: `r3${randomUUID().slice(0, 8)}`,
        autoFlush: true,
        flushInterval: 0.2,
        batchSize: 50,
        leaseTtl: 2,
        requestTimeout: 1,
        retryBaseDelay: 0.1,
        retryMaxDelay: 1,
        changeFeed: { enabled: false },
        ...(mode === 'queue' ? { queue: { enabled: true, attempts: 3, backoff: 0.2, timeout: 1, concurrency: 2 } } : {}),
      });
      const open = openService(options);
      open.service.onApplicationBootstrap();
      if (mode === 'queue') await open.core.queue!.startWorker();
      const ledger = new Ledger();
      try {
        const load = startLoad(
          open.service,
          { lanes: 4, tuplesPerLane: 1000, tuple, opsPerSecond: 1000, maxOps: 2_000_000, maxMs: 120_000, random },
          ledger,
        );
        await sleep(LOAD_S * 1000);
        const killAt = Date.now();
        await redis.restart(); // the load keeps going: calls wait for the reconnection
        const restartedAt = Date.now();
        const reconnect = await reconnectMs(open, restartedAt);
        await sleep(AFTER_S * 1000);
        await load.stop();
        const started = Date.now();
        await until(
          'backlog drained by the triggers after the restart',
          async () => {
            const s = await open.service.status();
            return s.pending.total === 0 && s.inFlight === 0;
          },
          60_000,
          100,
        );
        const drainMs = Date.now() - started;
        const inWindow = (id: string) => {
          const op = ledger.last.get(id);
          return op !== undefined && op.ackAt >= killAt - BOUND_MS && op.ackAt < restartedAt;
        };
        const outside = await compareStore(serverEnv().apiUrl, store.storeId, ledger, (id) => id !== tupleId(probe) && !inWindow(id));
        const window = await compareStore(serverEnv().apiUrl, store.storeId, ledger, inWindow);
        const status = await open.service.status();
        reportFigures(
          `R3-${mode}`,
          `${mode}, flushing at 1000 ops/s: SIGKILL + restart of Redis; same service acknowledged writes again after ` +
            `${reconnect} ms, ${load.ledger.failed} calls failed; backlog drained by the triggers ${round1(drainMs / 1000)} s after ` +
            `the load stopped; lost outside the 2 s window ${outside.missing.length + outside.unexpected.length}, ` +
            `inside it ${window.missing.length + window.unexpected.length}`,
          {
            mode,
            acked: ledger.acked,
            failedCalls: ledger.failed,
            uncertainTuples: ledger.uncertain.size,
            reconnectMs: reconnect,
            drainMs,
            lostOutsideWindow: outside.missing.length + outside.unexpected.length,
            lostInsideWindow: window.missing.length + window.unexpected.length,
            deadLettered: status.deadLettered,
          },
        );
        expect(outside).toMatchObject({ missing: [], unexpected: [] });
        expect(status.deadLettered).toBe(0);
      } finally {
        await open.core.close();
      }
    },
    120_000,
  );
});

const probe: Tuple = { user: 'user:probe', relation: 'viewer', object: 'document:probe' };
