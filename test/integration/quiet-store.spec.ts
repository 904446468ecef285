/**
 * The store's `quiet` marker (issue 26, P13): the buffer position at which
 * settle or clear saw nothing outstanding, read with `seq` in the cache MGET;
 * while the two are equal, a cold check or batchCheck asks OpenFGA with no
 * snapshot script before it. Every path that makes an op outstanding moves
 * `seq` (a lone grant, grantMany, a revoke over a pending grant, a dead
 * letter retried), in this version and older ones. Absent or behind (a fresh
 * store, data from an older version) the read takes the snapshot script as
 * before. On a private redis-server, so the script
 * calls counted are this test's own.
 */
import Redis from 'ioredis';
import { freshStore, testOptions } from '../support/harness/env';
import { startRedis, RunningRedis } from '../support/harness/servers';
import { storeKeys } from '../../src/redis/redis-keys';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';

describe('quiet store: cold reads without a snapshot script', () => {
  let redis: RunningRedis;
  let raw: Redis;
  let store: TestStore;
  let s: OpenService;
  let reader: OpenService;
  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.port, '127.0.0.1');
  });
  afterAll(async () => {
    raw.disconnect();
    await redis.stop();
  });
  beforeEach(async () => {
    store = await freshStore('quiet');
    const options = testOptions(store, { redis: { host: '127.0.0.1', port: redis.port } });
    s = openService(options);
    reader = openService({ ...options }); // a second process
    await Promise.all([s.ready(), reader.ready()]);
  });
  afterEach(async () => {
    await s.close();
    await reader.close();
  });

  const quiet = async () => {
    const k = storeKeys(s.core.options.prefix, store.storeId);
    const [marker, seq] = await raw.mget(k.quiet, k.seq);
    return marker !== null && marker === (seq ?? '0');
  };
  const scriptCalls = async () => {
    const stats = await raw.info('commandstats');
    return Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0) + Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  };

  it('follows what is outstanding: set by settle and clear, deleted by every write', async () => {
    expect(await quiet()).toBe(false); // a fresh store: unknown, so the read takes the script
    await s.service.grant('user:a', 'viewer', 'document:1');
    expect(await quiet()).toBe(false);
    await s.service.flush();
    expect(await quiet()).toBe(true);
    await s.service.grantMany([
      { user: 'user:b', relation: 'viewer', object: 'document:1' },
      { user: 'user:c', relation: 'viewer', object: 'document:1' },
    ]);
    expect(await quiet()).toBe(false);
    const batch = await s.core.buffer.claim(10, 60_000); // in flight: still outstanding
    expect(await quiet()).toBe(false);
    await s.core.buffer.settle(batch!.id, { acked: batch!.operations.map((o) => o.key), dead: [], retryAt: 0 });
    expect(await quiet()).toBe(true);
    await s.service.revoke('user:a', 'viewer', 'document:1');
    expect(await quiet()).toBe(false);
    await s.service.clear();
    expect(await quiet()).toBe(true);
    // A dead letter retried is outstanding again.
    await s.service.grant('user:x', 'viewer', 'document:9');
    const poisoned = await s.core.buffer.claim(10, 60_000);
    await s.core.buffer.settle(poisoned!.id, { acked: [], dead: [{ key: poisoned!.operations[0].key, reason: 'refused' }], retryAt: 0 });
    expect(await s.core.buffer.deadLetters()).toHaveLength(1);
    expect(await quiet()).toBe(true);
    await s.core.buffer.retryDeadLetters();
    expect(await quiet()).toBe(false);
  });

  it('a cold check on a quiet store runs no snapshot script, and a write in another process is seen at once', async () => {
    await s.service.grant('user:a', 'viewer', 'document:1');
    await s.service.flush();
    expect(await quiet()).toBe(true);
    const before = await scriptCalls();
    expect(await reader.service.check('user:a', 'viewer', 'document:1')).toBe(true);
    // One script: caching the answer. No snapshot before asking OpenFGA.
    expect((await scriptCalls()) - before).toBe(1);
    await s.service.revoke('user:a', 'viewer', 'document:1');
    expect(await reader.service.check('user:a', 'viewer', 'document:1')).toBe(false);
    await s.service.grant('user:b', 'viewer', 'document:2');
    const [b, a] = await reader.service.batchCheck([
      { user: 'user:b', relation: 'viewer', object: 'document:2' },
      { user: 'user:a', relation: 'viewer', object: 'document:1' },
    ]);
    expect([b.allowed, a.allowed]).toEqual([true, false]);
  });

  it('a batchCheck of cold items on a quiet store runs no snapshot script', async () => {
    await s.service.grant('user:a', 'viewer', 'document:1');
    await s.service.flush();
    const before = await scriptCalls();
    const answers = await reader.service.batchCheck(
      Array.from({ length: 20 }, (_, i) => ({ user: `user:${i % 2 === 0 ? 'a' : 'z'}`, relation: 'viewer', object: 'document:1' })),
    );
    expect(answers.map((x) => x.allowed)).toEqual(Array.from({ length: 20 }, (_, i) => i % 2 === 0));
    expect((await scriptCalls()) - before).toBe(1); // caching the answers
  });
});
