/**
 * A Redis that is full (maxmemory reached under `noeviction`, Redis's
 * default policy) refuses writes: `grant` then throws RedisUnavailableError
 * saying Redis is out of memory and that nothing was written, never a raw
 * ioredis error and never a half-written operation; checks of what was
 * cached still answer; once memory is freed, grants work again. A `@Grant`
 * route whose handler ran answers 503 and reports the tuples it could not
 * record (`recordFailed`), so the app can undo or record them again.
 */
import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { OpenFgaService, RedisUnavailableError, type OpenFgaEventMap } from '../../src';
import { DocumentsController } from '../e2e/support/controllers';
import { startApp } from '../e2e/support/http-app';
import { freshStore, testOptions } from '../support/harness/env';
import { startRedis, type RunningRedis } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';

describe('Redis out of memory', () => {
  let redis: RunningRedis;
  let s: OpenService;
  beforeAll(async () => {
    redis = await startRedis({ args: ['--maxmemory-policy', 'noeviction'] });
    s = openService(testOptions(await freshStore('oom'), { redis: redis.url }));
    await s.ready();
  });
  afterAll(async () => {
    await s.close();
    await redis.stop();
  });

  it('grant throws a clear error naming Redis memory, writes nothing, and works again once memory is freed', async () => {
    await s.service.grant('user:anne', 'viewer', 'document:1');
    expect(await s.service.check('user:anne', 'viewer', 'document:1')).toBe(true);
    const client = s.core.redis as Redis; // the standalone server this suite started
    const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    await client.config('SET', 'maxmemory', String(used - 1024));
    const before = (await s.service.status()).pending.total;
    const refused = await s.service.grant('user:bob', 'viewer', 'document:2').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(RedisUnavailableError);
    expect(String((refused as Error).message)).toMatch(/out of memory.*nothing was written/);
    expect((await s.service.status()).pending.total).toBe(before);
    await client.config('SET', 'maxmemory', '0');
    await s.service.grant('user:bob', 'viewer', 'document:2');
    expect(await s.service.check('user:bob', 'viewer', 'document:2')).toBe(true);
  });

  it('a @Grant route whose handler ran answers 503 and reports what it could not record', async () => {
    const app: INestApplication = await startApp('express', testOptions(await freshStore('oom-http'), { redis: redis.url }), [
      DocumentsController,
    ]);
    const client = s.core.redis as Redis;
    try {
      const failed: OpenFgaEventMap['recordFailed'][] = [];
      app.get(OpenFgaService).events.on('recordFailed', (e) => failed.push(e));
      const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
      await client.config('SET', 'maxmemory', String(Math.floor(used / 2)));
      const res = await request(app.getHttpServer()).post('/documents').set('x-user', 'anne').send({ id: 'oom-1' });
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/handled, but its authorization change could not be recorded/);
      expect(failed).toEqual([
        {
          handler: expect.stringContaining('create'),
          operations: [{ kind: 'grant', user: 'user:anne', relation: 'owner', object: 'document:oom-1' }],
          written: [],
          reason: expect.stringMatching(/out of memory/),
        },
      ]);
    } finally {
      await client.config('SET', 'maxmemory', '0');
      await app.close();
    }
  });
});
