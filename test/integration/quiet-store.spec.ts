/**
 * The store's `quiet` marker (issue 26, P13): the buffer position at which
 * settle or clear saw nothing outstanding, read with `seq` in the cache MGET;
 * while the two are equal, a cold check or batchCheck asks OpenFGA with no
 * snapshot script before it. Every path that makes an op outstanding moves
 * `seq` (a lone grant, grantMany, a revoke over a pending grant, a dead
 * letter retried), in this version and older ones. Absent or behind (a fresh
 * store, data from an older version) the read takes the snapshot script as
 * before. A property test holds the invariant (quiet only with nothing
 * outstanding) over random grants, claims, settles, releases, clears (also
 * in steps of two ops) and dead-letter retries, and with it the buffer's
 * layout: counts match the records, every pending op is queued or waits on
 * an in-flight one, the index holds exactly the outstanding tuples. On a private redis-server, so the script calls
 * counted are this test's own.
 */
import fc from 'fast-check';
import Redis from 'ioredis';
import { freshStore, testOptions } from '../support/harness/env';
import { startRedis, RunningRedis } from '../support/harness/servers';
import { storeKeys } from '../../src/redis/redis-keys';
import { LuaScripts } from '../../src/redis/lua-scripts';
import { WriteBuffer } from '../../src/buffer/write-buffer';
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

  it('never reads quiet while anything is outstanding, and keeps the buffer layout whole, across random buffer steps (property)', async () => {
    const k = storeKeys(s.core.options.prefix, store.storeId);
    const buffer = s.core.buffer;
    // The same buffer, clearing two ops per step: every clear of more than two runs in several steps (see clear-8.lua).
    const steppedClear = new WriteBuffer(s.core.redis, new LuaScripts(s.core.redis), buffer.keys, undefined, { clearStep: 2 });
    /** What the buffer's keys must agree on after every step (see redis-keys.ts); empty when they do. */
    const layoutFaults = async (afterClear: boolean): Promise<string[]> => {
      const [pending, inflight, queue, counts, index] = await Promise.all([
        raw.hkeys(k.pending),
        raw.hkeys(k.inflight),
        raw.zrange(k.queue, 0, -1),
        raw.hmget(k.count, 'w', 'd'),
        raw.zrange(`${k.base}ix:document#viewer`, 0, -1),
      ]);
      const records = pending.length ? await raw.hmget(k.pending, ...pending) : [];
      const kinds = { w: records.filter((r) => r?.startsWith('w|')).length, d: records.filter((r) => r?.startsWith('d|')).length };
      const faults: string[] = [];
      if (Number(counts[0] ?? 0) !== kinds.w || Number(counts[1] ?? 0) !== kinds.d)
        faults.push(`counts ${counts} against ${kinds.w}/${kinds.d} records`);
      const waiting = new Set([...queue, ...inflight]);
      for (const tk of pending) if (!waiting.has(tk)) faults.push(`pending ${tk} neither queued nor behind an in-flight op`);
      // One 'o <object> <user>' member per outstanding tuple (pending or in flight), and no other.
      const outstanding = new Set([...pending, ...inflight].map((tk) => tk.split(' ')).map(([user, , object]) => `o ${object} ${user}`));
      const indexed = new Set(index.filter((m) => m.startsWith('o ')));
      if ([...outstanding].sort().join() !== [...indexed].sort().join())
        faults.push(`index ${[...indexed]} against outstanding ${[...outstanding]}`);
      if (afterClear && pending.length > 0) faults.push(`pending after clear: ${pending}`);
      return faults;
    };
    const tuple = (n: number) => ({ user: `user:${n}`, relation: 'viewer', object: 'document:q' });
    const step = fc.oneof(
      fc.record({ kind: fc.constant('grant' as const), n: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('revoke' as const), n: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('grantMany' as const), from: fc.integer({ min: 0, max: 5 }), size: fc.integer({ min: 2, max: 4 }) }),
      fc.record({ kind: fc.constant('claim' as const), size: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('settle' as const), dead: fc.boolean(), all: fc.boolean() }),
      fc.record({ kind: fc.constant('release' as const) }),
      fc.record({ kind: fc.constant('clear' as const), stepped: fc.boolean() }),
      fc.record({ kind: fc.constant('retryDead' as const) }),
    );
    let steps = 0;
    let quietSeen = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (sequence) => {
        await buffer.clear();
        const claimed: { id: string; keys: string[] }[] = [];
        for (const st of sequence) {
          steps++;
          switch (st.kind) {
            case 'grant':
            case 'revoke': {
              const t = tuple(st.n);
              await s.service[st.kind](t.user, t.relation, t.object);
              break;
            }
            case 'grantMany':
              await s.service.grantMany(Array.from({ length: st.size }, (_, i) => tuple((st.from + i) % 6)));
              break;
            case 'claim': {
              const batch = await buffer.claim(st.size, 60_000);
              if (batch) claimed.push({ id: batch.id, keys: batch.operations.map((o) => o.key) });
              break;
            }
            case 'settle': {
              const batch = claimed.shift();
              if (!batch) break;
              const [first, ...rest] = batch.keys;
              const dead = st.dead ? [{ key: first, reason: 'refused' }] : [];
              const acked = st.dead ? rest : batch.keys;
              await buffer.settle(batch.id, { acked: st.all ? acked : acked.slice(1), dead, retryAt: st.all ? 0 : -1 });
              break;
            }
            case 'release': {
              const batch = claimed.shift();
              if (batch) await buffer.release(batch.id);
              break;
            }
            case 'clear':
              await (st.stepped ? steppedClear : buffer).clear();
              break;
            case 'retryDead':
              await buffer.retryDeadLetters();
              break;
          }
          const [marker, seq] = await raw.mget(k.quiet, k.seq);
          const counts = await raw.hmget(k.count, 'w', 'd', 'fw', 'fd');
          const outstanding = counts.reduce((sum, c) => sum + Number(c ?? 0), 0);
          if (marker !== null && marker === (seq ?? '0')) {
            quietSeen++;
            expect({ sequence, outstanding }).toEqual({ sequence, outstanding: 0 });
          }
          expect({ sequence, step: st, faults: await layoutFaults(st.kind === 'clear') }).toEqual({ sequence, step: st, faults: [] });
        }
        for (const batch of claimed) await buffer.release(batch.id);
      }),
      { numRuns: 60 },
    );
    // The property held on quiet states, not only on busy ones.
    expect(quietSeen).toBeGreaterThan(steps / 20);
  }, 120_000);
});
