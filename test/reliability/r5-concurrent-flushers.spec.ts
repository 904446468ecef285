/**
 * R5 — four processes flushing the same buffer at once (docs/design.md §2 invariants
 * 1–3, §4 "claims are atomic"). Every OpenFGA Write passes through a
 * recording proxy, so the test sees exactly what reached the server.
 * Must hold: no loss; no write rejected (as a duplicate or otherwise); no
 * operation written twice; no tuple in two Write requests at the same time.
 *
 * A: a prepared backlog, the four start together on a signal.
 * B: the four keep flushing while operations keep arriving on a small set of
 *    tuples, so new ops constantly hit tuples that are in flight.
 * Short mode: 2,000 ops + 3 s of load; full: 20,000 ops + 20 s.
 */
import { OpenFgaClient } from '@openfga/sdk';
import type { OpenFgaModuleOptions, Tuple } from '../../src';
import { killAllChildren, RunningChild, startChild } from '../support/processes/child-process';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { compareStore, diffSets, readStore, startLoad, tupleId } from '../support/reliability/ledger';
import { overlappingWrites, RecordingProxy, startRecordingProxy } from '../support/faults/recording-proxy';
import { quietNestLogs, RELIABILITY_SEED, reportFigures, round1, scaled, seededRandom, sleep, until } from '../support/reliability/scale';
import { openService, OpenService } from '../support/harness/service';

const BACKLOG = scaled(2000, 20_000);
const LOAD_S = scaled(3, 20);
const FLUSHERS = 4;

async function startFlushers(options: OpenFgaModuleOptions): Promise<RunningChild[]> {
  const children = Array.from({ length: FLUSHERS }, () => startChild('reliability-flusher.ts', options, { WAIT_FOR_GO: '1' }));
  await Promise.all(children.map((c) => c.waitFor((e) => e.event === 'ready')));
  children.forEach((c) => c.send('go'));
  return children;
}

async function stopFlushers(children: RunningChild[]) {
  children.forEach((c) => c.send('stop'));
  const done = await Promise.all(children.map((c) => c.waitFor((e) => e.event === 'done', 30_000)));
  await Promise.all(children.map((c) => c.exited));
  return done.map((d) => ({
    writes: Number(d.writes),
    deletes: Number(d.deletes),
    failed: Number(d.failed),
    deadLettered: Number(d.deadLettered),
  }));
}

async function drained(open: OpenService, timeoutMs: number) {
  await until(
    'buffer drained by the flushers',
    async () => {
      const s = await open.service.status();
      return s.pending.total === 0 && s.inFlight === 0;
    },
    timeoutMs,
    100,
  );
}

describe(`R5: ${FLUSHERS} processes flushing the same buffer at once`, () => {
  let proxy: RecordingProxy;
  const random = seededRandom(RELIABILITY_SEED + 5);

  beforeAll(async () => {
    quietNestLogs();
    proxy = await startRecordingProxy(serverEnv().apiUrl);
  });
  afterEach(killAllChildren);
  afterAll(() => proxy?.close());

  it(`A: a backlog of ${BACKLOG} ops is written exactly once, each op in exactly one Write, none rejected`, async () => {
    const store = await freshStore('r5-backlog');
    const options = testOptions(store, { apiUrl: proxy.url, batchSize: 50, maxParallelRequests: 2, changeFeed: { enabled: false } });
    const seed = openService({ ...options, apiUrl: serverEnv().apiUrl });
    proxy.writes.length = 0;
    try {
      const t = (i: number): Tuple => ({ user: `user:u${i % 97}`, relation: i % 5 === 0 ? 'owner' : 'viewer', object: `document:d${i}` });
      const existing = Array.from({ length: BACKLOG / 4 }, (_, i) => t(1_000_000 + i));
      const sdk = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });
      for (let i = 0; i < existing.length; i += 100) await sdk.write({ writes: existing.slice(i, i + 100) });
      const grants = Array.from({ length: BACKLOG / 2 }, (_, i) => t(i));
      const coalesced = Array.from({ length: BACKLOG / 4 }, (_, i) => t(2_000_000 + i)); // granted then revoked: one op each
      for (let i = 0; i < grants.length; i += 500) await seed.service.grantMany(grants.slice(i, i + 500));
      for (let i = 0; i < coalesced.length; i += 500) {
        await seed.service.grantMany(coalesced.slice(i, i + 500));
        await seed.service.revokeMany(coalesced.slice(i, i + 500));
      }
      for (let i = 0; i < existing.length; i += 500) await seed.service.revokeMany(existing.slice(i, i + 500));
      const buffered = (await seed.service.status()).pending.total;
      expect(buffered).toBe(BACKLOG);

      const children = await startFlushers(options);
      const started = Date.now();
      await drained(seed, 120_000);
      const elapsedMs = Date.now() - started;
      const results = await stopFlushers(children);

      const written = results.reduce((n, r) => n + r.writes + r.deletes, 0);
      const perTuple = new Map<string, number>();
      for (const w of proxy.writes) for (const id of [...w.writes, ...w.deletes]) perTuple.set(id, (perTuple.get(id) ?? 0) + 1);
      const twice = [...perTuple].filter(([, n]) => n > 1);
      const rejected = proxy.writes.filter((w) => w.status !== 200);
      const overlaps = overlappingWrites(proxy.writes);
      reportFigures(
        'R5-backlog',
        `${FLUSHERS} processes started together on a backlog of ${BACKLOG} ops: ${written} written (shares ` +
          `${results.map((r) => r.writes + r.deletes).join('/')}) in ${proxy.writes.length} Write requests, ${round1(elapsedMs / 1000)} s; ` +
          `${twice.length} ops written twice, ${rejected.length} writes rejected, ${overlaps.length} concurrent writes of one tuple`,
        {
          flushers: FLUSHERS,
          backlog: BACKLOG,
          written,
          shares: results.map((r) => r.writes + r.deletes),
          writeRequests: proxy.writes.length,
          elapsedMs,
          writtenTwice: twice.length,
          rejected: rejected.length,
          overlaps: overlaps.length,
        },
      );
      expect(results.map((r) => r.failed + r.deadLettered)).toEqual([0, 0, 0, 0]);
      expect(written).toBe(BACKLOG);
      expect(results.filter((r) => r.writes + r.deletes > 0).length).toBeGreaterThanOrEqual(2); // they really flushed concurrently
      expect(rejected.map((w) => w.message)).toEqual([]);
      expect(twice).toEqual([]);
      expect(perTuple.size).toBe(BACKLOG);
      expect(overlaps).toEqual([]);
      const expected = [...grants].map(tupleId).sort();
      expect(diffSets(expected, await readStore(serverEnv().apiUrl, store.storeId))).toEqual({ missing: [], unexpected: [] });
    } finally {
      await seed.close();
    }
  }, 180_000);

  it(`B: under load on tuples in flight (${LOAD_S} s): never two Writes of one tuple at once, no op written twice, last op wins`, async () => {
    const store = await freshStore('r5-load');
    const options = testOptions(store, { apiUrl: proxy.url, batchSize: 20, maxParallelRequests: 2, changeFeed: { enabled: false } });
    const producer = openService({ ...options, apiUrl: serverEnv().apiUrl });
    proxy.writes.length = 0;
    try {
      const children = await startFlushers(options);
      // 4 lanes × 40 tuples at full speed: most new ops land on a tuple already claimed by some flusher.
      const load = startLoad(producer.service, {
        lanes: 4,
        tuplesPerLane: 40,
        tuple: (l, i) => ({ user: `user:l${l}u${i % 8}`, relation: 'viewer', object: `document:l${l}d${Math.floor(i / 8)}` }),
        maxOps: 5_000_000,
        maxMs: LOAD_S * 1000,
        random,
      });
      await load.done;
      await drained(producer, 60_000);
      await sleep(100);
      const results = await stopFlushers(children);
      const overlaps = overlappingWrites(proxy.writes);
      const rejected = proxy.writes.filter((w) => w.status !== 200);
      const perTuple = new Map<string, number>();
      for (const w of proxy.writes) for (const id of [...w.writes, ...w.deletes]) perTuple.set(id, (perTuple.get(id) ?? 0) + 1);
      const writtenMoreThanAcked = [...perTuple].filter(([id, n]) => n > (load.ledger.opsPerTuple.get(id) ?? 0));
      const diff = await compareStore(serverEnv().apiUrl, store.storeId, load.ledger);
      const written = results.reduce((n, r) => n + r.writes + r.deletes, 0);
      reportFigures(
        'R5-load',
        `${FLUSHERS} flushing processes under ${round1(load.ledger.acked / LOAD_S)} ops/s on 160 tuples for ${LOAD_S} s: ` +
          `${load.ledger.acked} ops acknowledged, ${written} written after coalescing, in ${proxy.writes.length} Write requests; ` +
          `${overlaps.length} concurrent writes of one tuple, ${rejected.length} rejected, ${writtenMoreThanAcked.length} tuples written ` +
          `more often than operated on; lost ${diff.missing.length}, wrong ${diff.unexpected.length}`,
        {
          flushers: FLUSHERS,
          loadSeconds: LOAD_S,
          acked: load.ledger.acked,
          written,
          writeRequests: proxy.writes.length,
          overlaps: overlaps.length,
          rejected: rejected.length,
          writtenMoreThanAcked: writtenMoreThanAcked.length,
          missing: diff.missing.length,
          unexpected: diff.unexpected.length,
        },
      );
      expect(load.errors).toEqual([]);
      expect(results.map((r) => r.failed + r.deadLettered)).toEqual([0, 0, 0, 0]);
      expect(overlaps.slice(0, 5).map((o) => o.tuple)).toEqual([]);
      expect(rejected.map((w) => w.message)).toEqual([]);
      expect(writtenMoreThanAcked).toEqual([]);
      expect(diff).toMatchObject({ missing: [], unexpected: [] });
    } finally {
      await producer.close();
    }
  }, 180_000);
});
