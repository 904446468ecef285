/**
 * One Redis failover under load (test/replication, R15): 30 documents anne
 * may view are granted, flushed and cached; 10 grants are acknowledged while
 * replication is healthy; then the replica of the store's primary is stalled
 * (SIGSTOP) and cut off (a partition: the primary keeps new writes in its
 * backlog only) while every revoke of anne and 20 more grants go on; the
 * primary is SIGKILLed and the replica promoted. A new process on the
 * promoted primary checks every acknowledged revoke (stale "allowed"), then
 * flushes; OpenFGA is compared with the last acknowledged operation of every
 * tuple (lost).
 */
import { ReplicationUnconfirmedError, type OpenFgaAcknowledgeOptions, type Tuple } from '../../../src';
import { freshStore, testOptions } from '../harness/env';
import { openService, OpenService, scoped } from '../harness/service';
import { readAllTuples, tupleId } from '../state/fga-state';
import type { FailoverTopology } from './topologies';

const DOCS = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FailoverOutcome {
  acknowledged: number;
  unknown: number;
  otherErrors: string[];
  staleAllows: number;
  missing: number;
}

export async function runFailover(
  start: () => Promise<FailoverTopology>,
  acknowledge: OpenFgaAcknowledgeOptions,
): Promise<FailoverOutcome> {
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
