/**
 * R2 — OpenFGA stopped under load, then restarted (SQLite datastore, so its
 * data survives). Must hold: writes keep being acknowledged during the
 * outage, nothing is lost, the backlog drains by itself (automatic flush
 * triggers, no manual flush), OpenFGA ends equal to the last op per tuple,
 * and a transient outage dead-letters nothing (docs/design.md §2 invariants 1, 2, 4).
 *
 * Reports drain time vs outage. Default retry settings (retryBaseDelay 1 s,
 * retryMaxDelay 60 s), so the figure is what an application gets.
 * Short mode: 5 s outage; full: 60 s (queue mode: 15 s).
 */
import type { OpenFgaModuleOptions, Tuple } from '../../src';
import type { OpenFgaCore } from '../../src/core/openfga-core';
import { testRedis } from '../support/harness/env';
import { compareStore, startLoad } from '../support/reliability/ledger';
import {
  maxOf,
  percentile,
  quietNestLogs,
  RELIABILITY_SEED,
  reportFigures,
  round1,
  scaled,
  seededRandom,
  sleep,
  until,
} from '../support/reliability/scale';
import { RunningOpenFga, startOpenFga } from '../support/harness/servers';
import { openService } from '../support/harness/service';
import { createStore, TestStore } from '../support/harness/store';
import { randomUUID } from 'node:crypto';

const OUTAGE_S = scaled(5, 60);
const WARMUP_S = scaled(2, 5);
const OPS_PER_SECOND = 200;

const tuple = (lane: number, i: number): Tuple => ({
  user: `user:l${lane}u${i % 100}`,
  relation: 'viewer',
  object: `document:l${lane}d${Math.floor(i / 100)}`,
});

/** The most flush attempts any buffered operation (pending or leased) has been through. */
async function maxRetries(core: OpenFgaCore): Promise<number> {
  const leased = await core.redis.zrange(core.buffer.keys.leases, 0, -1);
  const batches = await Promise.all(leased.map((id) => core.buffer.loadBatch(id)));
  const ops = [...(await core.buffer.pendingOperations(100_000)), ...batches.flatMap((b) => b?.operations ?? [])];
  return maxOf(ops.map((o) => o.attempts));
}

describe('R2: OpenFGA stopped under load, then restarted', () => {
  let openfga: RunningOpenFga;
  const random = seededRandom(RELIABILITY_SEED + 2);

  beforeAll(async () => {
    quietNestLogs('silent');
    openfga = await startOpenFga({ engine: 'sqlite' });
  }, 60_000);
  afterAll(async () => {
    await openfga?.stop();
  });

  async function run(mode: 'inline' | 'queue', outageS: number) {
    const store: TestStore = await createStore(openfga.apiUrl, `r2-${mode}-${randomUUID().slice(0, 8)}`);
    const options: OpenFgaModuleOptions = {
      apiUrl: openfga.apiUrl,
      storeId: store.storeId,
      authorizationModelId: store.modelId,
      redis: testRedis(),
      prefix: `r2${randomUUID().slice(0, 8)}`,
      autoFlush: true,
      flushInterval: 1,
      flushOnShutdown: false,
      changeFeed: { enabled: false },
      ...(mode === 'queue' ? { queue: { enabled: true } } : {}),
    };
    const open = openService(options);
    open.service.onApplicationBootstrap(); // size and age triggers, as in an application
    if (mode === 'queue') await open.core.queue!.startWorker();
    const load = startLoad(open.service, {
      lanes: 4,
      tuplesPerLane: 5000,
      tuple,
      opsPerSecond: OPS_PER_SECOND,
      maxOps: 1_000_000,
      maxMs: (WARMUP_S + outageS + 60) * 1000,
      random,
    });
    try {
      await sleep(WARMUP_S * 1000);
      const stoppedAt = Date.now();
      await openfga.pause();
      const ackedBefore = load.ledger.acked;
      await sleep(Math.max(0, outageS * 1000 - (Date.now() - stoppedAt)));
      await openfga.start();
      const healthyAt = Date.now();
      await load.stop();
      const ackedDuringOutage = load.ledger.acked - ackedBefore;
      const outageLatencies = load.latencies.filter((l) => l.at >= stoppedAt && l.at <= healthyAt).map((l) => l.ms);
      const atRestart = await open.service.status();
      const backlog = atRestart.pending.total + atRestart.inFlight;
      const maxAttempts = await maxRetries(open.core);
      // No manual flush: the triggers must drain the backlog by themselves.
      await until(
        'backlog drained by the flush triggers',
        async () => {
          const s = await open.service.status();
          return s.pending.total === 0 && s.inFlight === 0;
        },
        (outageS + 60 * 1.25 + 60) * 1000,
        250,
      );
      const drainMs = Date.now() - healthyAt;
      const status = await open.service.status();
      const diff = await compareStore(openfga.apiUrl, store.storeId, load.ledger);
      const deadReasons = [...new Set((await open.service.getDeadLetters()).map((d) => d.reason))].slice(0, 3);
      reportFigures(
        `R2-${mode}`,
        `${mode}: OpenFGA down ${round1((healthyAt - stoppedAt) / 1000)} s under ${OPS_PER_SECOND} ops/s; ` +
          `${ackedDuringOutage} writes acknowledged during the outage (p99 ${percentile(outageLatencies, 99)} ms, ${load.ledger.failed} failed); ` +
          `backlog ${backlog} ops at restart (retried up to ${maxAttempts} times); drained in ${round1(drainMs / 1000)} s ` +
          `after restart; lost ${diff.missing.length}, wrong ${diff.unexpected.length}, dead-lettered ${status.deadLettered}`,
        {
          mode,
          outageMs: healthyAt - stoppedAt,
          opsPerSecond: OPS_PER_SECOND,
          ackedDuringOutage,
          acked: load.ledger.acked,
          writeFailures: load.ledger.failed,
          outageWriteP99Ms: percentile(outageLatencies, 99),
          backlogAtRestart: backlog,
          maxAttempts,
          drainMs,
          missing: diff.missing.length,
          unexpected: diff.unexpected.length,
          deadLettered: status.deadLettered,
          deadReasons,
        },
      );
      expect(load.errors).toEqual([]); // writes never depend on OpenFGA
      expect(status.deadLettered).toBe(0); // a transient outage must not dead-letter (invariant 4)
      expect(diff).toMatchObject({ missing: [], unexpected: [] });
    } finally {
      await load.stop();
      await open.core.close();
    }
  }

  it(
    `inline: OpenFGA down ${OUTAGE_S} s; nothing lost, the backlog drains by itself`,
    () => run('inline', OUTAGE_S),
    (WARMUP_S + OUTAGE_S + 300) * 1000,
  );

  // Jobs exhaust their attempts during the outage: their operations must return to the buffer (not be
  // dead-lettered) and be enqueued again by the triggers once their backoff ends.
  it(
    `queue mode: OpenFGA down ${OUTAGE_S} s; nothing lost, the backlog drains by itself`,
    () => run('queue', OUTAGE_S),
    (WARMUP_S + OUTAGE_S + 300) * 1000,
  );
});
