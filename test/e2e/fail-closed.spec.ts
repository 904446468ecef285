/**
 * Invariant 6 over HTTP: a @Check that cannot get an answer denies (403).
 * OpenFGA and Redis are really unreachable here (closed loopback ports, a
 * redis-server that is stopped), on Express and Fastify.
 *
 * The Redis suites pass their own ioredis client (default settings), which the
 * module leaves open, so they can disconnect it: a module-owned client whose
 * server is gone makes app.close() wait for its offline queue to give up (~10 s).
 */

/**
 * A client with ioredis's defaults (offline queue, reconnects), quiet about the outage the test causes.
 * A short disconnectTimeout: a socket stuck connecting to a dead port would otherwise hold the process 2 s after disconnect().
 */
function outageClient(url: string): Redis {
  const client = new Redis(url, { disconnectTimeout: 50 });
  client.on('error', () => undefined);
  return client;
}
import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { OpenFgaService } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { freePort, RunningRedis, startRedis } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';
import { DocumentsController } from './support/controllers';
import { PLATFORMS, startApp } from './support/http-app';

describe.each(PLATFORMS)('fail closed on %s', (platform) => {
  let store: TestStore;

  beforeAll(async () => {
    store = await freshStore(`fail-closed-${platform}`);
  });

  describe('OpenFGA unreachable', () => {
    let app: INestApplication;

    beforeAll(async () => {
      const apiUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens there
      app = await startApp(platform, testOptions(store, { apiUrl, requestTimeout: 1, checkTimeout: 2 }), [DocumentsController]);
    });

    afterAll(async () => {
      await app?.close();
    });

    it('denies (403) a check the buffer and the cold cache cannot answer', async () => {
      const res = await request(app.getHttpServer()).get('/documents/cold').set('x-user', 'anne').expect(403);
      expect(res.body.message).toBe('Access could not be verified');
    });

    it('denies (403) in any mode when no check has an answer', async () => {
      await request(app.getHttpServer()).get('/documents/cold/either?folder=f').set('x-user', 'anne').expect(403);
    });

    it('denies (403) a derived relation even though a related grant is pending', async () => {
      // The buffer knows "owner"; "viewer" derives from it only in OpenFGA, which cannot be asked.
      await app.get(OpenFgaService).grant('user:anne', 'owner', 'document:pending');
      await request(app.getHttpServer()).get('/documents/pending').set('x-user', 'anne').expect(403);
    });
  });

  describe('Redis unreachable', () => {
    let redis: RunningRedis;
    let client: Redis;
    let app: INestApplication;

    beforeAll(async () => {
      redis = await startRedis();
      client = outageClient(redis.url);
      app = await startApp(platform, testOptions(store, { redis: client, checkTimeout: 1 }), [DocumentsController]);
    });

    afterAll(async () => {
      await app?.close();
      client?.disconnect();
      await redis?.stop();
    });

    it('denies (403) once Redis is down, even an answer it had cached', async () => {
      const fga = app.get(OpenFgaService);
      await fga.grant('user:anne', 'viewer', 'document:warm');
      await fga.flush();
      await request(app.getHttpServer()).get('/documents/warm').set('x-user', 'anne').expect(200); // now cached
      await redis.stop();
      const started = Date.now();
      const res = await request(app.getHttpServer()).get('/documents/warm').set('x-user', 'anne').expect(403);
      expect(res.body.message).toBe('Access could not be verified');
      expect(Date.now() - started).toBeLessThan(5_000); // bounded by checkTimeout, not hanging
    });
  });

  describe('Redis unreachable from the start', () => {
    let client: Redis;
    let app: INestApplication;

    beforeAll(async () => {
      client = outageClient(`redis://127.0.0.1:${await freePort()}`); // nothing listens there
      app = await startApp(platform, testOptions(store, { redis: client, checkTimeout: 1 }), [DocumentsController]);
    });

    afterAll(async () => {
      await app?.close();
      client?.disconnect();
    });

    it('denies (403) while OpenFGA itself is up', async () => {
      expect(serverEnv().apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:/);
      await request(app.getHttpServer()).get('/documents/any').set('x-user', 'anne').expect(403);
    });
  });
});
