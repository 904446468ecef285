/**
 * R17: a signed-in caller floods the cache. The example app's
 * `POST /documents/access` (50 ids a request, one batchCheck) caches an
 * answer per id and relation, so any signed-in user can make the module
 * write keys. Against a real redis-server with `maxmemory`:
 *
 * - under `noeviction` (Redis's default policy) the module stops caching once
 *   a node uses `cacheMemoryLimit` (0.8) of its `maxmemory`, so the flood
 *   never takes the room grants need: `status().cache.paused` says so, the
 *   flood's own checks still answer, and other users' grants (a `@Grant`
 *   route) and checks keep working;
 * - under `volatile-lru` (the recommended policy) Redis evicts cached answers
 *   (they carry a TTL) and never a buffered operation (they have none): the
 *   module keeps caching, grants and checks keep working.
 *
 * Before the admission (cache-admission.ts) the `noeviction` flood filled
 * Redis: every `@Grant` then answered 500 with the folder created and its
 * owner tuple lost.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import IORedis from 'ioredis';
import request from 'supertest';
import { OpenFgaService } from '../../src';
import { Entity, exampleConfig, exampleStore, loginAll, startExampleApp } from '../e2e/support/example-app';
import { startRedis, type RunningRedis } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';
import { directCheck } from '../support/state/fga-state';
import { eventually } from '../support/state/flush-queue-state';
import { reportFigures } from '../support/reliability/scale';

jest.setTimeout(240_000);

/** Headroom above what Redis holds once the app started: room for a few thousand cached answers, filled in seconds. */
const HEADROOM_BYTES = 3 * 1024 * 1024;
/** The flood stops by itself: at most this many requests. */
const MAX_FLOOD_REQUESTS = 1500;
const IN_FLIGHT = 4;

function memoryOf(info: string): { used: number; evicted: number } {
  return { used: Number(/^used_memory:(\d+)/m.exec(info)![1]), evicted: Number(/^evicted_keys:(\d+)/m.exec(info)?.[1] ?? 0) };
}

describe.each(['noeviction', 'volatile-lru'] as const)('R17: cache flood against maxmemory (%s)', (policy) => {
  let redis: RunningRedis;
  let admin: Redis;
  let app: INestApplication;
  let auth: (user: string) => { authorization: string };
  let store: TestStore;

  beforeAll(async () => {
    redis = await startRedis({ args: ['--maxmemory-policy', policy] });
    admin = new IORedis(redis.url);
    store = await exampleStore('r17');
    app = await startExampleApp(exampleConfig(store, { redisUrl: redis.url }));
    auth = await loginAll(app);
  });
  afterAll(async () => {
    await app?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  const http = () => request(app.getHttpServer());
  const info = async () => memoryOf((await admin.info('memory')) + (await admin.info('stats')));

  /** One flood request: 50 ids nobody has, answered (denied) and cached. */
  const floodOnce = async () => {
    const ids = Array.from({ length: 50 }, () => randomUUID());
    const res = await http().post('/documents/access').set(auth('mallory')).send({ ids });
    return res.status;
  };

  it('other users keep granting and checking while the flood runs, and Redis never fills', async () => {
    const fga = app.get(OpenFgaService);
    const { used: baseline } = await info();
    const maxmemory = baseline + HEADROOM_BYTES;
    await admin.config('SET', 'maxmemory', String(maxmemory));

    const statuses = new Map<number, number>();
    let sent = 0;
    let peak = 0;
    let pausedAt: number | undefined;
    /** Past the point the flood would have made its mark: paused (noeviction) or evicting (volatile-lru), then as much again. */
    let stopAt = MAX_FLOOD_REQUESTS;
    const flooder = async () => {
      while (sent < Math.min(stopAt, MAX_FLOOD_REQUESTS)) {
        sent++;
        const status = await floodOnce();
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (sent % 10 === 0) {
          const m = await info();
          peak = Math.max(peak, m.used);
          const marked = policy === 'noeviction' ? (await fga.status()).cache?.paused === true : m.evicted > 0;
          if (marked && pausedAt === undefined) {
            pausedAt = sent;
            stopAt = sent * 2;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, flooder));
    const after = await info();
    peak = Math.max(peak, after.used);

    // The flood reached the point where it would have filled Redis: it was told to stop caching, or Redis evicted answers.
    expect(pausedAt).toBeDefined();
    // Every flood request was answered: checks answer from OpenFGA when they cannot be cached.
    expect([...statuses.keys()]).toEqual([200]);
    if (policy === 'noeviction') {
      const status = await fga.status();
      expect(status.cache).toMatchObject({ paused: true, redisMemory: { maxBytes: maxmemory, policy: 'noeviction' } });
      // The room above the cache limit stayed free for the buffer.
      expect(peak).toBeLessThan(maxmemory);
    } else {
      expect(after.evicted).toBeGreaterThan(0);
    }

    // Other users: anne creates a folder (a @Grant after the handler) and reads it; bob is denied; a share reaches bob.
    const folder = (await http().post('/folders').set(auth('anne')).send({ name: 'Projects' }).expect(201)).body as Entity;
    await http().get(`/folders/${folder.id}`).set(auth('anne')).expect(200);
    await http().get(`/folders/${folder.id}`).set(auth('bob')).expect(403);
    await http().put(`/folders/${folder.id}/viewers/bob`).set(auth('anne')).expect(200);
    await http().get(`/folders/${folder.id}`).set(auth('bob')).expect(200);
    const pending = (await fga.status()).pending.total;
    expect(pending).toBeGreaterThanOrEqual(2);
    // Nothing buffered was evicted: the flush (queue mode: the app's worker) writes anne's owner tuple and bob's share to OpenFGA.
    await fga.flush();
    await eventually('the worker wrote the buffer', async () => {
      const s = await fga.status();
      return s.pending.total === 0 && s.inFlight === 0;
    });
    expect(await directCheck(store.storeId, { user: 'user:anne', relation: 'owner', object: `folder:${folder.id}` })).toBe(true);
    expect(await directCheck(store.storeId, { user: 'user:bob', relation: 'viewer', object: `folder:${folder.id}` })).toBe(true);

    reportFigures(
      `R17-${policy}`,
      `flood of ${sent} requests: peak ${peak} of ${maxmemory} bytes, grants and checks of others unaffected`,
      {
        baselineBytes: baseline,
        maxmemory,
        peakBytes: peak,
        floodRequests: sent,
        markedAfterRequests: pausedAt ?? -1,
        evictedKeys: after.evicted,
      },
    );
  });
});
