/**
 * Replicated acknowledgement on the real Redis the suite runs on (standalone,
 * or the masters of a Cluster, neither with replicas): asking for a replica
 * that does not confirm refuses the call with ReplicationUnconfirmedError
 * (the write is applied: its outcome is unknown, never a silent success);
 * `auto` on a lone primary sends no WAIT; concurrent writers share one WAIT.
 * The failover itself is in test/replication (Sentinel).
 */
import { ReplicationUnconfirmedError } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import { commandCalls } from '../support/state/command-stats';

describe('replicated acknowledgement (acknowledge)', () => {
  const opened: OpenService[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const open = async (acknowledge: { replicas?: number | 'auto'; timeout?: number }) => {
    const s = openService(testOptions(await freshStore('ack'), { acknowledge }));
    opened.push(s);
    await s.ready();
    return s;
  };

  it('a replica that does not confirm in time: the call throws, naming the outcome as unknown; the op is buffered', async () => {
    const s = await open({ replicas: 1, timeout: 0.2 });
    const refused = await s.service.grant('user:anne', 'viewer', 'document:1').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ReplicationUnconfirmedError);
    expect(refused).toMatchObject({ confirmed: 0, required: 1, timeoutMs: 200 });
    expect(String((refused as Error).message)).toMatch(/outcome is unknown/);
    // Applied by the primary: it reaches OpenFGA unless a failover drops it.
    expect((await s.service.status()).pending.total).toBe(1);
    await expect(s.service.clear()).rejects.toThrow(ReplicationUnconfirmedError);
    expect((await s.service.status()).pending.total).toBe(0);
  });

  it('concurrent writers share one WAIT (it blocks the connection it runs on)', async () => {
    const s = await open({ replicas: 1, timeout: 0.2 });
    const before = await commandCalls(s.core.redis, 'wait');
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => s.service.grant(`user:u${i}`, 'viewer', 'document:1')));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ReplicationUnconfirmedError)).toBe(true);
    const sent = (await commandCalls(s.core.redis, 'wait')) - before;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(2);
  });

  it('auto on a primary without replicas waits for none: the call resolves and no WAIT is sent', async () => {
    const s = await open({});
    const before = await commandCalls(s.core.redis, 'wait');
    await s.service.grant('user:anne', 'viewer', 'document:1');
    await s.service.revokeMany([{ user: 'user:bob', relation: 'viewer', object: 'document:1' }]);
    expect((await commandCalls(s.core.redis, 'wait')) - before).toBe(0);
    expect(await s.service.check('user:anne', 'viewer', 'document:1')).toBe(true);
  });
});
