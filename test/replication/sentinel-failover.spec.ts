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
import { redisCli, RunningSentinelGroup, SENTINEL_MASTER, startSentinelGroup } from '../support/harness/sentinel';
import { openService, OpenService } from '../support/harness/service';
import { readAllTuples, tupleId } from '../support/state/fga-state';

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

async function failover(acknowledge: OpenFgaAcknowledgeOptions): Promise<Outcome> {
  const group: RunningSentinelGroup = await startSentinelGroup();
  const opened: OpenService[] = [];
  try {
    const store = await freshStore('failover');
    const options = testOptions(store, { redis: { sentinels: group.sentinels, name: SENTINEL_MASTER }, acknowledge });
    const a = openService(options);
    opened.push(a);
    await a.ready();
    const anne = (i: number): Tuple => ({ user: 'user:anne', relation: 'viewer', object: `document:${i}` });
    await a.service.grantMany(Array.from({ length: DOCS }, (_, i) => anne(i)));
    await a.service.flush();
    for (let i = 0; i < DOCS; i++) expect(await a.service.check('user:anne', 'viewer', `document:${i}`)).toBe(true); // cached
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
    group.replica.signal('SIGSTOP');
    redisCli(group.primary.port, 'CLIENT', 'KILL', 'TYPE', 'replica');
    await Promise.all([
      ...Array.from({ length: DOCS }, (_, i) => record('revoke', anne(i))),
      ...Array.from({ length: 20 }, (_, i) => record('grant', { user: 'user:carl', relation: 'viewer', object: `document:${i}` })),
    ]);
    await sleep(300);
    group.primary.signal('SIGKILL');
    group.replica.signal('SIGCONT');
    const deadline = Date.now() + 60_000;
    while ((await group.primaryPort()) !== group.replica.port) {
      if (Date.now() > deadline) throw new Error('Sentinel did not promote the replica within 60 s');
      await sleep(250);
    }
    while (!redisCli(group.replica.port, 'ROLE').startsWith('master')) await sleep(100);
    // A new process on the promoted primary: checks before the flush, then the flush.
    const b = openService({ ...options });
    opened.push(b);
    await b.ready();
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
    await group.stop();
  }
}

describe('Redis failover under Sentinel', () => {
  it('with replicated acknowledgement (default): 0 acknowledged operations lost, 0 stale allows', async () => {
    const outcome = await failover({ replicas: 'auto', timeout: 0.5 });
    console.log(`failover with acknowledgement: ${JSON.stringify(outcome)}`);
    expect(outcome.otherErrors).toEqual([]);
    expect(outcome.acknowledged).toBeGreaterThanOrEqual(10); // before the stall
    expect(outcome.unknown).toBeGreaterThan(0); // during it: refused as unconfirmed, never a silent success
    expect({ missing: outcome.missing, staleAllows: outcome.staleAllows }).toEqual({ missing: 0, staleAllows: 0 });
  });

  it('without it (replicas: 0): what was acknowledged while the replica lagged is lost', async () => {
    const outcome = await failover({ replicas: 0 });
    console.log(`failover without acknowledgement: ${JSON.stringify(outcome)}`);
    expect(outcome.otherErrors).toEqual([]);
    expect(outcome.unknown).toBe(0);
    expect(outcome.missing).toBeGreaterThan(0);
  });
});
