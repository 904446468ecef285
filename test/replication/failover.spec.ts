/**
 * Redis failover on real servers, under Sentinel and in a Redis Cluster with
 * replicas (see support/replication/failover-scenario.ts for the scenario).
 *
 * With replicated acknowledgement (the default, `acknowledge.replicas:
 * 'auto'`) no acknowledged operation is lost and no check answers "allowed"
 * after an acknowledged revoke: writes the stalled replica could not confirm
 * failed with ReplicationUnconfirmedError (outcome unknown), never a silent
 * success. Without it (`replicas: 0`), every operation acknowledged while
 * the replica lagged is lost: the window the README states.
 */
import type { Tuple } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { SENTINEL_MASTER, startSentinelGroup } from '../support/harness/sentinel';
import { clusterTopology, sentinelTopology } from '../support/replication/topologies';
import { openService, OpenService } from '../support/harness/service';
import { runFailover } from '../support/replication/failover-scenario';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { eventually } from '../support/state/flush-queue-state';
import { runBin } from '../support/processes/run-bin';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  ['Sentinel', sentinelTopology],
  ['a Redis Cluster with replicas', clusterTopology],
])('Redis failover under %s', (name, start) => {
  it('with replicated acknowledgement (default): 0 acknowledged operations lost, 0 stale allows', async () => {
    const outcome = await runFailover(start, { replicas: 'auto', timeout: 0.5 });
    console.log(`failover (${name}) with acknowledgement: ${JSON.stringify(outcome)}`);
    expect(outcome.otherErrors).toEqual([]);
    expect(outcome.acknowledged).toBeGreaterThanOrEqual(10); // before the stall
    expect(outcome.unknown).toBeGreaterThan(0); // during it: refused as unconfirmed, never a silent success
    expect({ missing: outcome.missing, staleAllows: outcome.staleAllows }).toEqual({ missing: 0, staleAllows: 0 });
  });

  it('without it (replicas: 0): what was acknowledged while the replica lagged is lost', async () => {
    const outcome = await runFailover(start, { replicas: 0 });
    console.log(`failover (${name}) without acknowledgement: ${JSON.stringify(outcome)}`);
    expect(outcome.otherErrors).toEqual([]);
    expect(outcome.unknown).toBe(0);
    expect(outcome.missing).toBeGreaterThan(0);
  });
});

it('queue mode (BullMQ) and the CLI bin reach the primary through Sentinel, before and after a failover', async () => {
  const group = await startSentinelGroup();
  const opened: OpenService[] = [];
  try {
    const store = await freshStore('sentinel-queue');
    const options = testOptions(store, {
      redis: { sentinels: group.sentinels, name: SENTINEL_MASTER },
      requestTimeout: 1,
      leaseTtl: 3,
      queue: { enabled: true, attempts: 5, backoff: 0.2, timeout: 2 },
    });
    const s = openService(options);
    opened.push(s);
    await s.ready();
    await s.core.queue!.startWorker();
    const inOpenFga = async (t: Tuple) => (await readAllTuples(store.storeId)).some((u) => tupleId(u) === tupleId(t));
    const before = { user: 'user:anne', relation: 'viewer', object: 'document:before' };
    const after = { user: 'user:anne', relation: 'viewer', object: 'document:after' };
    await s.service.grant(before.user, before.relation, before.object);
    await s.service.flush();
    await eventually('the worker wrote the grant', () => inOpenFga(before), 20_000);
    const env = {
      OPENFGA_API_URL: options.apiUrl,
      OPENFGA_STORE_ID: store.storeId,
      OPENFGA_PREFIX: String(options.prefix),
      OPENFGA_REDIS_SENTINELS: group.sentinels.map((n) => `${n.host}:${n.port}`).join(','),
      OPENFGA_REDIS_SENTINEL_NAME: SENTINEL_MASTER,
    };
    await s.service.grant(after.user, after.relation, after.object);
    group.primary.signal('SIGKILL');
    const deadline = Date.now() + 60_000;
    while ((await group.primaryPort()) !== group.replica.port) {
      if (Date.now() > deadline) throw new Error('Sentinel did not promote the replica within 60 s');
      await sleep(250);
    }
    // The bin finds the promoted primary through the Sentinels: the pending grant is there (it was replicated).
    const status = await runBin(['openfga:cache:status', '--json'], env);
    expect(status.stderr).toBe('');
    expect(JSON.parse(status.stdout)).toMatchObject({ pending: { writes: 1, total: 1 } });
    // The app's connections (module and BullMQ) follow the failover too: the queued flush lands.
    await eventually(
      'the worker wrote the grant after the failover',
      async () => {
        await s.service.flush().catch(() => undefined);
        return inOpenFga(after);
      },
      30_000,
      500,
    );
  } finally {
    await Promise.all(opened.map((o) => Promise.race([o.close(), sleep(5000)])));
    await group.stop();
  }
});
