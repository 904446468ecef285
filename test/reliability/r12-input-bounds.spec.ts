/**
 * R12 — input bounds: calls of any size, ids OpenFGA cannot receive
 * unchanged, a Redis that may evict keys, and enhancers outside HTTP.
 *
 * - grantMany of N tuples (short 10,000; full 10,000 and 100,000) on a
 *   private redis-server: succeeds, buffers every tuple in script calls of at
 *   most 1,000, and every other client's wait is reported (the slowest PING
 *   of another process, the longest script in SLOWLOG) against the same call
 *   run as one script, as before the fix. A malformed last tuple writes nothing.
 * - Write-through (`enabled: false`): 250 (full 1,000) tuples, duplicates
 *   included, reach OpenFGA in Write requests of at most 100.
 * - Lone UTF-16 surrogates: ids that would collide once encoded are all
 *   rejected, naming the field; paired surrogates round-trip.
 * - maxmemory-policy: allkeys-* is refused at start-up (flag, CONFIG SET, and
 *   one master of a 3-master Cluster); noeviction/volatile-* start.
 * - The guard outside HTTP: messages sharing one "request" object each get
 *   their own verdict.
 * Timing figures are reported, never asserted (a shared machine).
 */
import 'reflect-metadata';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { InvalidTupleError, OpenFgaModule, UnsafeEvictionPolicyError } from '../../src';
import type { RedisConnection } from '../../src';
import { LuaScripts } from '../../src/redis/lua-scripts';
import { ENQUEUE_CHUNK, WriteBuffer } from '../../src/buffer/write-buffer';
import { Check, OpenFgaGuard } from '../../src/http';
import type { OpenFgaService } from '../../src/openfga.service';
import type { ResolvedOpenFgaOptions } from '../../src/options/openfga-options.interface';
import type { Tuple } from '../../src/tuple/tuple';
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { measureStall } from '../support/faults/redis-stall';
import { scriptRuns, recordEveryCommand } from '../support/faults/redis-slowlog';
import { quietNestLogs, reportFigures, scaled } from '../support/reliability/scale';
import { RunningRedis, startRedis, startRedisCluster } from '../support/harness/servers';
import { openService } from '../support/harness/service';

const SIZES = scaled([10_000], [10_000, 100_000]);
const WRITE_THROUGH = scaled(250, 1000);
const MESSAGES = scaled(200, 2000);

const tuples = (tag: string, count: number): Tuple[] =>
  Array.from({ length: count }, (_, i) => ({ user: `user:u${i % 1000}`, relation: 'viewer', object: `document:${tag}-${i}` }));
const round = (ms: number) => Math.round(ms * 10) / 10;

describe('R12: input bounds', () => {
  beforeAll(() => quietNestLogs());

  describe('large grantMany on a private redis-server', () => {
    let redis: RunningRedis;
    let admin: Redis;
    beforeAll(async () => {
      redis = await startRedis();
      admin = new Redis(redis.url);
    });
    afterAll(async () => {
      admin?.disconnect();
      await redis?.stop();
    });

    it(`buffers ${SIZES.join(' and ')} tuples in script calls of at most ${ENQUEUE_CHUNK}, reporting what other clients wait (against one script)`, async () => {
      const store = await freshStore('r12-large');
      const open = openService(testOptions(store, { redis: redis.url, changeFeed: { enabled: false } }));
      const oneScript = new WriteBuffer(open.core.redis, new LuaScripts(open.core.redis), open.core.buffer.keys, undefined, {
        enqueueChunk: Infinity,
      });
      const figures: Record<string, unknown>[] = [];
      try {
        for (const n of SIZES) {
          const run = async (how: string, call: () => Promise<unknown>) => {
            await open.service.clear();
            await recordEveryCommand(admin);
            const stall = await measureStall(redis.url, call);
            const script = await scriptRuns(admin);
            const pending = (await open.service.status()).pending.total;
            return {
              how,
              n,
              pending,
              pingMaxMs: round(stall.maxMs),
              scriptMaxMs: round(script.maxMs),
              scriptMedianMs: round(script.medianMs),
              scripts: script.runs,
              callMs: Math.round(stall.callMs),
            };
          };
          const many = tuples(`n${n}`, n);
          const before = await run('one script', () => oneScript.enqueue(many.map((t) => ({ kind: 'grant', ...t }))));
          const after = await run('grantMany', () => open.service.grantMany(many));
          expect(after.pending).toBe(n);
          expect(after.scripts).toBe(Math.ceil(n / ENQUEUE_CHUNK));
          figures.push(before, after);

          // Validated whole before anything is written: a bad last tuple leaves Redis as it was.
          const positions = await open.core.buffer.positions();
          const bad = [...many.slice(0, n - 1), { ...many[n - 1], object: `document ${n}` }];
          await expect(open.service.revokeMany(bad)).rejects.toThrow(new RegExp(`^Invalid tuples\\[${n - 1}\\]\\.object`));
          expect(await open.core.buffer.positions()).toEqual(positions);
        }
      } finally {
        await open.close();
      }
      const line = figures
        .map(
          (f) =>
            `${String(f.how)}(${String(f.n)}): other client waited up to ${String(f.pingMaxMs)} ms, scripts ${String(f.scripts)} (longest ${String(f.scriptMaxMs)} ms, median ${String(f.scriptMedianMs)} ms)`,
        )
        .join('; ');
      reportFigures('R12-large-calls', line, { chunk: ENQUEUE_CHUNK, runs: figures });
    }, 300_000);
  });

  it(`write-through: ${WRITE_THROUGH} tuples and repeats reach OpenFGA in Write requests of at most 100`, async () => {
    const store = await freshStore('r12-write-through');
    const open = openService(testOptions(store, { enabled: false, changeFeed: { enabled: false } }));
    const sizes: number[] = [];
    open.core.events.on('request', (e) => {
      if (e.api === 'write') sizes.push(e.tuples ?? 0);
    });
    try {
      const many = tuples('wt', WRITE_THROUGH);
      await open.service.grantMany([...many, ...many.slice(0, 10)]);
      expect((await readAllTuples(store.storeId)).map(tupleId).sort()).toEqual(many.map(tupleId).sort());
      await open.service.revokeMany([...many, many[0]]);
      expect(await readAllTuples(store.storeId)).toEqual([]);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
      reportFigures(
        'R12-write-through',
        `${WRITE_THROUGH} tuples granted then revoked in ${sizes.length} Writes of at most ${Math.max(...sizes)}`,
        {
          tuples: WRITE_THROUGH,
          writes: sizes,
        },
      );
    } finally {
      await open.close();
    }
  });

  it('lone UTF-16 surrogates: ids that would collide once encoded are rejected naming the field; pairs round-trip', async () => {
    const store = await freshStore('r12-surrogates');
    const open = openService(testOptions(store, { changeFeed: { enabled: false } }));
    const lone = ['\ud800', '\udbff', '\udc00', '\udfff', '\ude00\ud83d', '\ufffd\udc00'];
    const failures: string[] = [];
    try {
      for (const s of lone) {
        for (const [field, t] of [
          ['user', { user: `user:a${s}`, relation: 'viewer', object: 'document:1' }],
          ['relation', { user: 'user:a', relation: `view${s}`, object: 'document:1' }],
          ['object', { user: 'user:a', relation: 'viewer', object: `document:${s}` }],
        ] as const) {
          const err = await open.service.grant(t.user, t.relation, t.object).catch((e: unknown) => e);
          if (!(err instanceof InvalidTupleError) || err.field !== field || !/well-formed Unicode/.test(err.message))
            failures.push(`${field} ${JSON.stringify(s)}: ${String(err)}`);
        }
      }
      await open.service.grant('user:\ud83d\ude00', 'viewer', 'document:\ud83d\udcc4');
      const pending = await open.service.getPendingOperations();
      expect(pending.map((o) => [o.user, o.object])).toEqual([['user:😀', 'document:📄']]);
      await open.service.flush();
      expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual(['user:😀 viewer document:📄']);
      expect(failures).toEqual([]);
      reportFigures(
        'R12-surrogates',
        `${lone.length * 3} values with lone surrogates rejected naming the field; a paired one round-tripped to OpenFGA`,
        {
          rejected: lone.length * 3,
        },
      );
    } finally {
      await open.close();
    }
  });

  describe('maxmemory-policy', () => {
    const started: { stop(): Promise<void> }[] = [];
    afterAll(async () => {
      await Promise.all(started.map((s) => s.stop()));
    });
    const boot = async (redis: RedisConnection) => {
      const store = await freshStore('r12-eviction');
      return Test.createTestingModule({ imports: [OpenFgaModule.forRoot(testOptions(store, { redis, changeFeed: { enabled: false } }))] })
        .compile()
        .then(async (app) => {
          await app.close();
          return 'started';
        })
        .catch((err: unknown) => (err instanceof UnsafeEvictionPolicyError ? `refused: ${err.policy}` : Promise.reject(err)));
    };

    it('refuses allkeys-* at start-up (flag and CONFIG SET); starts with noeviction and volatile-*', async () => {
      const flagged = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
      const plain = await startRedis();
      started.push(flagged, plain);
      const admin = new Redis(plain.url);
      const outcomes: string[] = [await boot(flagged.url)];
      try {
        for (const policy of ['allkeys-lfu', 'allkeys-random', 'noeviction', 'volatile-lru', 'volatile-ttl']) {
          await admin.config('SET', 'maxmemory-policy', policy);
          outcomes.push(await boot(plain.url));
        }
      } finally {
        admin.disconnect();
      }
      expect(outcomes).toEqual([
        'refused: allkeys-lru',
        'refused: allkeys-lfu',
        'refused: allkeys-random',
        'started',
        'started',
        'started',
      ]);
      reportFigures('R12-eviction-policy', `start-up outcomes: ${outcomes.join(', ')}`, { outcomes });
    });

    it('checks every master of a Redis Cluster: one allkeys-lru master refuses the start', async () => {
      const cluster = await startRedisCluster(3);
      started.push(cluster);
      const nodes = cluster.nodes;
      expect(await boot({ cluster: nodes })).toBe('started');
      const last = new Redis(nodes[2].port, nodes[2].host);
      await last.config('SET', 'maxmemory-policy', 'allkeys-lru');
      last.disconnect();
      expect(await boot({ cluster: nodes })).toBe('refused: allkeys-lru');
    }, 90_000);
  });

  it(`the guard outside HTTP: ${MESSAGES} rpc messages sharing one "request" object are each refused with a clear error, never allowed`, async () => {
    class Documents {
      @Check('viewer', 'document:{params.id}')
      read(): void {}
    }
    // Would allow the even documents: no message may get that far.
    let asked = 0;
    const openfga = {
      check: (_u: string, _r: string, object: string) => (asked++, Promise.resolve(Number(object.split(':')[1]) % 2 === 0)),
    };
    const guard = new OpenFgaGuard(openfga as unknown as OpenFgaService, {} as ResolvedOpenFgaOptions, new Reflector());
    const shared = { user: { id: 'anne' }, params: { id: '0' } };
    let allowed = 0;
    let unclear = 0;
    for (let i = 0; i < MESSAGES; i++) {
      shared.params.id = String(i);
      const ctx = new ExecutionContextHost([shared, {}], Documents, Documents.prototype.read);
      ctx.setType('rpc');
      const verdict = await guard.canActivate(ctx).catch((e: unknown) => e);
      if (verdict === true) allowed++;
      else if (!/Documents\.read cannot run in a "rpc" handler/.test(String((verdict as Error)?.message))) unclear++;
    }
    expect({ allowed, unclear, asked }).toEqual({ allowed: 0, unclear: 0, asked: 0 });
    reportFigures(
      'R12-guard-rpc',
      `${MESSAGES} rpc messages on one shared object: ${allowed} allowed, ${unclear} without the clear error`,
      {
        messages: MESSAGES,
        allowed,
        unclear,
      },
    );
  });
});
