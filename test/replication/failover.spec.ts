/**
 * Redis failover under Sentinel, on real servers (a primary, a replica and
 * three Sentinels, AOF everysec): the replica is stalled (SIGSTOP, as a slow
 * link or a long pause would) and its link is cut (a partition: the primary
 * keeps new writes in its backlog only), operations go on, the primary is killed
 * (SIGKILL) and Sentinel promotes the replica. A new process on the promoted
 * primary checks, then flushes; OpenFGA is compared with every operation
 * that was acknowledged.
 *
 * With replicated acknowledgement (the default, `acknowledge.replicas:
 * 'auto'`) no acknowledged operation is lost and no check answers "allowed"
 * after an acknowledged revoke: writes the stalled replica could not confirm
 * failed with ReplicationUnconfirmedError (outcome unknown), never a silent
 * success. Without it (`replicas: 0`), every operation acknowledged while
 * the replica lagged is lost: the window the README states.
 */
import { ReplicationUnconfirmedError, type OpenFgaAcknowledgeOptions, type Tuple } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { SENTINEL_MASTER, startSentinelGroup } from '../support/harness/sentinel';
import { clusterTopology, FailoverTopology, sentinelTopology } from '../support/replication/topologies';
import { openService, OpenService, scoped } from '../support/harness/service';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { eventually } from '../support/state/flush-queue-state';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/harness/servers';

jest.setTimeout(120_000);

const DOCS = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  acknowledged: number;
  unknown: number;
  otherErrors: string[];
  staleAllows: number;
  missing: number;
}

async function failover(start: () => Promise<FailoverTopology>, acknowledge: OpenFgaAcknowledgeOptions): Promise<Outcome> {
  const topology = await start();
  const opened: OpenService[] = [];
  try {
    const store = await freshStore('failover');
    const options = testOptions(store, { redis: topology.redis, acknowledge });
    const a = openService(options);
    opened.push(a);
    await a.ready();
    const anne = (i: number): Tuple => ({ user: 'user:anne', relation: 'viewer', object: `document:${i}` });
    await a.service.grantMany(Array.from({ length: DOCS }, (_, i) => anne(i)));
    await a.service.flush();
    for (let i = 0; i < DOCS; i++) expect(await a.service.check('user:anne', 'viewer', `document:${i}`)).toBe(true); // cached
    const dave = { user: 'user:dave', relation: 'viewer', object: 'document:elsewhere' };
    expect(await a.service.check(dave.user, dave.relation, dave.object)).toBe(false);
    expect((await a.core.read.lookup(...scoped(a, dave))).source).toBe('cache');
    const acked: { kind: 'grant' | 'revoke'; t: Tuple }[] = [];
    let unknown = 0;
    const otherErrors: string[] = [];
    const record = async (kind: 'grant' | 'revoke', t: Tuple) => {
      try {
        await (kind === 'grant' ? a.service.grant(t.user, t.relation, t.object) : a.service.revoke(t.user, t.relation, t.object));
        acked.push({ kind, t });
      } catch (err) {
        if (err instanceof ReplicationUnconfirmedError) unknown++;
        else otherErrors.push(String(err));
      }
    };
    // Healthy replication: acknowledged after the replica has each write.
    for (let i = 0; i < 10; i++) await record('grant', { user: 'user:bob', relation: 'viewer', object: `document:${i}` });
    // The replica stalls and its link drops (a partition): the primary keeps what follows in its backlog only.
    topology.partitionReplica(a.core.buffer.keys.seq);
    await Promise.all([
      ...Array.from({ length: DOCS }, (_, i) => record('revoke', anne(i))),
      ...Array.from({ length: 20 }, (_, i) => record('grant', { user: 'user:carl', relation: 'viewer', object: `document:${i}` })),
    ]);
    await sleep(300);
    topology.killPrimary();
    await topology.promoted();
    // A new process on the promoted primary: checks before the flush, then the flush.
    const b = openService({ ...options });
    opened.push(b);
    await b.ready();
    // A cached answer from before the failover (replicated with everything it depends on) is not served: a new primary drops them.
    expect((await b.core.read.lookup(...scoped(b, dave))).source).toBe('miss');
    let staleAllows = 0;
    for (const { kind, t } of acked) {
      if (kind === 'revoke' && (await b.service.check(t.user, t.relation, t.object))) staleAllows++;
    }
    for (let i = 0; i < 20 && (await b.service.status()).pending.total > 0; i++) await b.service.flush();
    const stored = new Set((await readAllTuples(store.storeId)).map(tupleId));
    // The last acknowledged op per tuple is what OpenFGA must hold.
    const last = new Map<string, 'grant' | 'revoke'>();
    for (const { kind, t } of acked) last.set(tupleId(t), kind);
    let missing = 0;
    for (const [id, kind] of last) if (stored.has(id) !== (kind === 'grant')) missing++;
    return { acknowledged: acked.length, unknown, otherErrors, staleAllows, missing };
  } finally {
    await Promise.all(opened.map((s) => Promise.race([s.close(), sleep(5000)])));
    await topology.stop();
  }
}

describe.each([
  ['Sentinel', sentinelTopology],
  ['a Redis Cluster with replicas', clusterTopology],
])('Redis failover under %s', (name, start) => {
  it('with replicated acknowledgement (default): 0 acknowledged operations lost, 0 stale allows', async () => {
    const outcome = await failover(start, { replicas: 'auto', timeout: 0.5 });
    console.log(`failover (${name}) with acknowledgement: ${JSON.stringify(outcome)}`);
    expect(outcome.otherErrors).toEqual([]);
    expect(outcome.acknowledged).toBeGreaterThanOrEqual(10); // before the stall
    expect(outcome.unknown).toBeGreaterThan(0); // during it: refused as unconfirmed, never a silent success
    expect({ missing: outcome.missing, staleAllows: outcome.staleAllows }).toEqual({ missing: 0, staleAllows: 0 });
  });

  it('without it (replicas: 0): what was acknowledged while the replica lagged is lost', async () => {
    const outcome = await failover(start, { replicas: 0 });
    console.log(`failover (${name}) without acknowledgement: ${JSON.stringify(outcome)}`);
    expect(outcome.otherErrors).toEqual([]);
    expect(outcome.unknown).toBe(0);
    expect(outcome.missing).toBeGreaterThan(0);
  });
});

/** Runs the `nestjs-openfga` bin (from source) with only the given environment. */
function runBin(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(PROJECT_ROOT, 'src', 'cli', 'bin.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TS_NODE_TRANSPILE_ONLY: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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
