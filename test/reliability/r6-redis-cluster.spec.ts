/**
 * R6 — Redis Cluster with 3 masters.
 *
 * - CI runs the whole integration suite against a cluster: `npm test`
 *   (scripts/test.sh) runs test/integration again with
 *   NESTJS_OPENFGA_REDIS=cluster; the first test guards that wiring. In full
 *   mode this suite also runs that cluster pass itself and reports it.
 * - The reliability scenario on a cluster of its own: three stores whose hash
 *   tags live on three different masters, under load, flushed inline by
 *   separate processes (one killed with SIGKILL mid-flush), through the
 *   BullMQ queue, and by the automatic triggers. Must hold: read-your-writes,
 *   nothing lost, last op wins per store, and every key of a store in one slot.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { OpenFgaModuleOptions, Tuple } from '../../src';
import { killAllChildren, startChild } from '../support/processes/child-process';
import { freshStore, serverEnv } from '../support/harness/env';
import { compareStore, startLoad } from '../support/reliability/ledger';
import {
  FULL,
  quietNestLogs,
  RELIABILITY_SEED,
  reportFigures,
  round1,
  scaled,
  seededRandom,
  sleep,
  until,
} from '../support/reliability/scale';
import { PROJECT_ROOT, RunningRedisCluster, startRedisCluster } from '../support/harness/servers';
import { runBin } from '../support/processes/run-bin';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';

const LOAD_S = scaled(3, 15);

describe('R6: Redis Cluster with 3 masters', () => {
  it('CI runs the integration suite against a 3-master cluster (npm test → scripts/test.sh)', () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toContain('scripts/test.sh');
    const script = readFileSync(join(PROJECT_ROOT, 'scripts', 'test.sh'), 'utf8');
    expect(script).toMatch(/\bNESTJS_OPENFGA_REDIS=cluster npx jest --runInBand test\/integration\b/);
    expect(readFileSync(join(PROJECT_ROOT, '.ci', 'run'), 'utf8')).toMatch(/\bnpm test\b/);
  });

  // Full mode only: in short mode `npm test` itself runs the integration suites against the cluster (scripts/test.sh).
  if (FULL)
    it('full mode: the whole integration suite passes against the cluster', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'r6-jest-'));
      const report = join(dir, 'report.json');
      const started = Date.now();
      const env: NodeJS.ProcessEnv = { ...process.env, NESTJS_OPENFGA_REDIS: 'cluster' };
      delete env.JEST_REPORT_DIR;
      delete env.RELIABILITY;
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn('npx', ['jest', '--runInBand', '--ci', 'test/integration', '--json', '--outputFile', report], {
          cwd: PROJECT_ROOT,
          env,
          stdio: ['ignore', 'ignore', 'ignore'],
        });
        child.once('exit', resolve);
      });
      const result = JSON.parse(readFileSync(report, 'utf8')) as {
        numTotalTestSuites: number;
        numPassedTests: number;
        numFailedTests: number;
        numFailedTestSuites: number;
        testResults: { name: string; status: string; message: string }[];
      };
      rmSync(dir, { recursive: true, force: true });
      reportFigures(
        'R6-integration',
        `integration suite against a 3-master cluster: ${result.numTotalTestSuites} suites, ${result.numPassedTests} tests passed, ` +
          `${result.numFailedTests} failed, in ${round1((Date.now() - started) / 1000)} s`,
        { suites: result.numTotalTestSuites, passed: result.numPassedTests, failed: result.numFailedTests, ms: Date.now() - started },
      );
      expect(result.testResults.filter((r) => r.status !== 'passed').map((r) => `${r.name}: ${r.message.slice(0, 500)}`)).toEqual([]);
      expect(code).toBe(0);
    }, 900_000);

  describe('stores on three masters, under load and crashes', () => {
    let cluster: RunningRedisCluster;
    let admin: Redis;
    const random = seededRandom(RELIABILITY_SEED + 6);

    beforeAll(async () => {
      quietNestLogs();
      cluster = await startRedisCluster(3);
      admin = new Redis(cluster.nodes[0].port, '127.0.0.1');
    }, 90_000);
    afterAll(async () => {
      killAllChildren();
      admin?.disconnect();
      await cluster?.stop();
    });

    /** The master (port) serving each slot range. */
    async function slotOwner(slot: number): Promise<number> {
      const ranges = await admin.cluster('SLOTS');
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`slot ${slot} is not served`);
      return Number(range[2][1]);
    }

    /** Fresh stores until three have their hash tag on three different masters. */
    async function storesOnEveryMaster(): Promise<{ store: TestStore; port: number }[]> {
      const byPort = new Map<number, TestStore>();
      for (let i = 0; i < 40 && byPort.size < 3; i++) {
        const store = await freshStore('r6');
        const port = await slotOwner(Number(await admin.cluster('KEYSLOT', `{${store.storeId}}`)));
        if (!byPort.has(port)) byPort.set(port, store);
      }
      expect(byPort.size).toBe(3);
      return [...byPort].map(([port, store]) => ({ store, port }));
    }

    it(`three stores on three masters: inline flushers (one SIGKILLed), a BullMQ worker and the triggers; nothing lost, one slot per store`, async () => {
      const stores = await storesOnEveryMaster();
      const base = (store: TestStore, overrides: Partial<OpenFgaModuleOptions> = {}): OpenFgaModuleOptions => ({
        apiUrl: serverEnv().apiUrl,
        storeId: store.storeId,
        authorizationModelId: store.modelId,
        redis: { cluster: cluster.nodes },
        prefix: `r6${randomUUID().slice(0, 8)}`,
        autoFlush: false,
        flushOnShutdown: false,
        leaseTtl: 2,
        requestTimeout: 1,
        batchSize: 25,
        changeFeed: { enabled: false },
        ...overrides,
      });
      const options = [
        base(stores[0].store),
        base(stores[1].store, { queue: { enabled: true, attempts: 3, backoff: 0.2, timeout: 2, concurrency: 2 } }),
        base(stores[2].store, { autoFlush: true, flushInterval: 0.2 }),
      ];
      const opens: OpenService[] = options.map((o) => openService(o));
      try {
        await opens[1].core.queue!.startWorker();
        opens[2].service.onApplicationBootstrap();
        const tuple = (l: number, i: number): Tuple => ({
          user: `user:l${l}u${i % 20}`,
          relation: i % 3 === 0 ? 'owner' : 'viewer',
          object: `document:l${l}d${Math.floor(i / 20)}`,
        });
        const loads = opens.map((o) =>
          startLoad(o.service, { lanes: 2, tuplesPerLane: 300, tuple, opsPerSecond: 300, maxOps: 1_000_000, maxMs: LOAD_S * 1000, random }),
        );
        // Store 0: two flusher processes; one is killed mid-flush, a third takes over.
        const flushers = [0, 1].map(() => startChild('reliability-flusher.ts', options[0], { RELIABILITY_TRACE_CLAIMS: '1' }));
        await Promise.all(flushers.map((f) => f.waitFor((e) => e.event === 'ready')));
        // Whichever claims first is killed mid-flush: the other may take every batch while the load runs.
        const victim = await Promise.any(flushers.map((f) => f.waitFor((e) => e.event === 'claimed', 20_000).then(() => f)));
        const survivor = flushers.find((f) => f !== victim)!;
        victim.process.kill('SIGKILL');
        const third = startChild('reliability-flusher.ts', options[0]);
        // Store 1: this process enqueues jobs; the worker writes them.
        let flushing = true;
        const producer = (async () => {
          while (flushing) {
            await opens[1].service.flush().catch(() => undefined);
            await sleep(100);
          }
        })();
        await Promise.all(loads.map((l) => l.done));

        // Read your writes on the cluster, before everything is flushed.
        let checks = 0;
        let wrongChecks = 0;
        for (const [i, load] of loads.entries()) {
          const ids = [...load.ledger.last.keys()];
          for (let k = 0; k < 50; k++) {
            const id = ids[Math.floor(random() * ids.length)];
            const [user, relation, object] = id.split(' ');
            // Each user/document pair carries one relation only, so the direct op decides the answer.
            const expected = load.ledger.last.get(id)!.kind === 'grant';
            checks++;
            if ((await opens[i].service.check(user, relation, object)) !== expected) wrongChecks++;
          }
        }

        await sleep(2200); // the killed flusher's lease expires
        await until(
          'every store drained',
          async () => {
            const all = await Promise.all(opens.map((o) => o.service.status()));
            return all.every((s) => s.pending.total === 0 && s.inFlight === 0);
          },
          60_000,
          200,
        );
        flushing = false;
        await producer;
        survivor.send('stop');
        third.send('stop');
        await Promise.all([survivor.exited, third.exited]);

        const diffs = await Promise.all(stores.map(({ store }, i) => compareStore(serverEnv().apiUrl, store.storeId, loads[i].ledger)));
        const layout = await keyLayout(
          cluster,
          stores.map((s) => s.store.storeId),
        );
        const acked = loads.reduce((n, l) => n + l.ledger.acked, 0);
        reportFigures(
          'R6-cluster',
          `3 stores on 3 masters (${stores.map((s) => s.port).join(', ')}): ${acked} ops under load, flushed by processes (one ` +
            `SIGKILLed mid-flush), a BullMQ worker and the triggers; ${wrongChecks}/${checks} read-your-writes checks wrong; lost ` +
            `${diffs.reduce((n, d) => n + d.missing.length + d.unexpected.length, 0)}; keys per store on ` +
            `${layout.map((l) => `${l.nodes} node/${l.slots} slot`).join(', ')}`,
          { acked, checks, wrongChecks, diffs: diffs.map((d) => ({ missing: d.missing.length, unexpected: d.unexpected.length })), layout },
        );
        expect(loads.flatMap((l) => l.errors)).toEqual([]);
        expect(wrongChecks).toBe(0);
        for (const d of diffs) expect(d).toMatchObject({ missing: [], unexpected: [] });
        for (const [i, l] of layout.entries())
          expect(l).toEqual({ storeId: stores[i].store.storeId, keys: expect.any(Number), nodes: 1, slots: 1 });
        expect(layout.map((l) => l.keys).every((n) => n > 0)).toBe(true);
      } finally {
        await Promise.all(opens.map((o) => o.close()));
      }
    }, 120_000);

    // The operator's tools must reach a buffer wherever it lives: the bin is given one seed node
    // (OPENFGA_REDIS_CLUSTER_NODES) and must follow the cluster to the store's master.
    it('the CLI bin reports the status of a buffer whose store lives on another master than the node it is given', async () => {
      const stores = await storesOnEveryMaster();
      const elsewhere = stores.find((s) => s.port !== cluster.nodes[0].port)!;
      const open = openService({
        apiUrl: serverEnv().apiUrl,
        storeId: elsewhere.store.storeId,
        redis: { cluster: cluster.nodes },
        prefix: `r6cli${randomUUID().slice(0, 6)}`,
        autoFlush: false,
        flushOnShutdown: false,
        changeFeed: { enabled: false },
      });
      try {
        await open.service.grantMany([
          { user: 'user:a', relation: 'viewer', object: 'document:1' },
          { user: 'user:b', relation: 'viewer', object: 'document:1' },
        ]);
        const run = await runBin(['openfga:cache:status', '--json'], {
          OPENFGA_API_URL: serverEnv().apiUrl,
          OPENFGA_STORE_ID: elsewhere.store.storeId,
          OPENFGA_REDIS_CLUSTER_NODES: `127.0.0.1:${cluster.nodes[0].port}`,
          OPENFGA_PREFIX: String(open.core.options.prefix),
        });
        expect({ code: run.code, stderr: run.stderr.slice(0, 300) }).toEqual({ code: 0, stderr: '' });
        expect(JSON.parse(run.stdout)).toMatchObject({ pending: { total: 2 } });
      } finally {
        await open.close();
      }
    }, 60_000);
  });
});

/** For each store: how many keys mention its hash tag, on how many nodes, in how many slots. */
async function keyLayout(cluster: RunningRedisCluster, storeIds: string[]) {
  const perStore = storeIds.map((storeId) => ({ storeId, keys: 0, nodes: new Set<number>(), slots: new Set<number>() }));
  for (const node of cluster.nodes) {
    const client = new Redis(node.port, node.host);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          const entry = perStore.find((s) => key.includes(`{${s.storeId}}`));
          if (!entry) continue;
          entry.keys++;
          entry.nodes.add(node.port);
          entry.slots.add(Number(await client.cluster('KEYSLOT', key)));
        }
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
  }
  return perStore.map((s) => ({ storeId: s.storeId, keys: s.keys, nodes: s.nodes.size, slots: s.slots.size }));
}
