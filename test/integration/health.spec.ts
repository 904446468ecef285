/**
 * The @nestjs/terminus health indicator, on the real Redis and
 * OpenFGA: thresholds on backlog, age and dead letters, and unreachable
 * servers, each with its reason in the details.
 */
import { Controller, Get, INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { spawnSync } from 'node:child_process';
import { createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { getOpenFgaServiceToken, OpenFgaModule, OpenFgaModuleOptions, OpenFgaService } from '../../src';
import { OpenFgaHealthIndicator, OpenFgaHealthModule, OpenFgaHealthOptions } from '../../src/health';
import { OpenFgaTestingModule } from '../../src/testing';
import { getOpenFgaCoreToken } from '../../src/connection/connection-tokens';
import type { OpenFgaCore } from '../../src/core/openfga-core';
import { startTupleFaultProxy } from '../support/faults/tuple-fault-proxy';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { fixtureModelAgain, lenientModelFirst } from '../support/harness/model-behind';
import { freePort, startRedis } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly openfga: OpenFgaHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.openfga.isHealthy('openfga')]);
  }
}

async function openApp(options: OpenFgaModuleOptions, health?: OpenFgaHealthOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      OpenFgaModule.forRoot(options),
      TerminusModule.forRoot({ logger: false }),
      health ? OpenFgaHealthModule.forRoot(health) : OpenFgaHealthModule,
    ],
    controllers: [HealthController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OpenFgaHealthIndicator on the real servers', () => {
  let store: TestStore;
  const apps: INestApplication[] = [];
  const open = async (options: OpenFgaModuleOptions, health?: OpenFgaHealthOptions) => {
    const app = await openApp(options, health);
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    store = await freshStore('health');
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  it('is healthy with an empty buffer and both servers up, and says so through terminus', async () => {
    const app = await open(testOptions(store));
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      info: {
        openfga: {
          status: 'up',
          reasons: [],
          connection: 'default',
          redis: 'up',
          openfga: 'up',
          pending: 0,
          oldestAgeMs: null,
          inFlight: 0,
          deadLettered: 0,
          invalidation: 'scoped',
        },
      },
      error: {},
      details: expect.objectContaining({ openfga: expect.objectContaining({ status: 'up' }) }),
    });
  });

  it('builds the same result terminus 11 HealthIndicatorService builds', async () => {
    const app = await open(testOptions(store));
    const result = await app.get(OpenFgaHealthIndicator).isHealthy('fga');
    const { status, ...details } = result.fga;
    expect(status).toBe('up');
    expect(result).toEqual(new HealthIndicatorService().check('fga').up(details));
  });

  it('is unhealthy when the backlog is over maxPending, and healthy again once flushed', async () => {
    const app = await open(testOptions(store), { maxPending: 2 });
    const fga = app.get(OpenFgaService);
    await fga.grantMany(['a', 'b', 'c'].map((id) => ({ user: `user:${id}`, relation: 'viewer', object: 'document:backlog' })));

    const res = await request(app.getHttpServer()).get('/health').expect(503);
    expect(res.body.status).toBe('error');
    expect(res.body.error.openfga).toMatchObject({
      status: 'down',
      redis: 'up',
      openfga: 'up',
      pending: 3,
      reasons: ['3 operations pending, over maxPending (2)'],
      message: '3 operations pending, over maxPending (2)',
    });

    expect(await fga.flush()).toMatchObject({ writes: 3, failed: 0 });
    await request(app.getHttpServer()).get('/health').expect(200);
  });

  it('is unhealthy when the oldest pending operation is older than maxOldestAge', async () => {
    const app = await open(testOptions(store));
    await app.get(OpenFgaService).grant('user:anne', 'viewer', 'document:age');
    await sleep(300);
    const indicator = app.get(OpenFgaHealthIndicator);
    const { openfga } = await indicator.isHealthy('openfga', { maxOldestAge: 0.2 });
    expect(openfga.status).toBe('down');
    expect(openfga.oldestAgeMs).toBeGreaterThanOrEqual(300);
    expect(openfga.reasons).toEqual([expect.stringMatching(/^oldest unwritten operation is \d+ ms old, over maxOldestAge \(0\.2 s\)$/)]);
    // The module defaults (60 s) are not exceeded.
    expect((await indicator.isHealthy('openfga')).openfga.status).toBe('up');
  });

  it('is unhealthy past maxOldestAge while OpenFGA refuses writes but answers GetStore: operations waiting out a retry backoff count', async () => {
    // A proxy answers every Write with 503 and forwards the rest: the probe's GetStore succeeds, writes do not.
    const proxy = await startTupleFaultProxy(serverEnv().apiUrl);
    try {
      proxy.fault = () => ({ status: 503, code: 'unavailable', message: 'write path down' });
      const app = await open(testOptions(store, { apiUrl: proxy.url, changeFeed: { enabled: false } }));
      const fga = app.get(OpenFgaService);
      const indicator = app.get(OpenFgaHealthIndicator);
      await fga.grantMany(['a', 'b', 'c'].map((id) => ({ user: `user:${id}`, relation: 'viewer', object: 'document:refused' })));
      const grantedAt = Date.now();
      expect(await fga.flush()).toMatchObject({ writes: 0, failed: 3 });
      await sleep(400);

      // Nothing is pending: the three wait out their backoff in a leased batch, unwritten.
      const { openfga } = await indicator.isHealthy('openfga', { maxOldestAge: 0.3 });
      expect(openfga).toMatchObject({ status: 'down', redis: 'up', openfga: 'up', pending: 0, inFlight: 3 });
      expect(openfga.oldestAgeMs).toBeGreaterThanOrEqual(400);
      expect(openfga.oldestAgeMs).toBeLessThanOrEqual(Date.now() - grantedAt + 50);
      expect(openfga.reasons).toEqual([expect.stringMatching(/^oldest unwritten operation is \d+ ms old, over maxOldestAge \(0\.3 s\)$/)]);
      const res = await request(app.getHttpServer()).get('/health').expect(200); // the default maxOldestAge (60 s) is not exceeded
      expect(res.body.info.openfga).toMatchObject({ pending: 0, inFlight: 3, oldestAgeMs: expect.any(Number) });

      // OpenFGA takes writes again: the flush's probe ends the backoff, and nothing is left to be old.
      proxy.fault = () => 'forward';
      expect(await fga.flush()).toMatchObject({ writes: 3, failed: 0 });
      expect((await indicator.isHealthy('openfga', { maxOldestAge: 0.3 })).openfga).toMatchObject({
        status: 'up',
        pending: 0,
        inFlight: 0,
        oldestAgeMs: null,
      });
    } finally {
      await Promise.all(apps.splice(0).map((a) => a.close()));
      await proxy.close();
    }
  });

  it('reports the age of an operation waiting on an in-flight operation of its tuple (out of the queue), and of that one', async () => {
    const app = await open(testOptions(store));
    const fga = app.get(OpenFgaService);
    const { buffer } = app.get<OpenFgaCore>(getOpenFgaCoreToken());
    await fga.grant('user:anne', 'viewer', 'document:waiting');
    const stalled = await buffer.claim(10, 60_000); // a writer claims the grant and stalls
    expect(stalled?.operations).toHaveLength(1);
    await sleep(300);
    await fga.revoke('user:anne', 'viewer', 'document:waiting');
    const revokedAt = Date.now();
    // Another flush's claim finds the revoke waiting on the in-flight grant: it leaves the queue until the grant is settled.
    expect(await buffer.claim(10, 60_000)).toBeUndefined();

    const status = await fga.status();
    expect(status).toMatchObject({ pending: { deletes: 1, total: 1 }, inFlight: 1 });
    // Both are unwritten; the grant, acknowledged first, is the oldest.
    expect(status.oldestAgeMs).toBeGreaterThanOrEqual(Math.max(300, Date.now() - revokedAt));
    const { openfga } = await app.get(OpenFgaHealthIndicator).isHealthy('openfga', { maxOldestAge: 0.2 });
    expect(openfga).toMatchObject({ status: 'down', pending: 1, inFlight: 1 });
    expect(openfga.reasons).toEqual([expect.stringMatching(/^oldest unwritten operation is \d+ ms old, over maxOldestAge \(0\.2 s\)$/)]);
  });

  it('status reads the age from the batches while the in-flight index disagrees with the in-flight count (an older version claimed)', async () => {
    const app = await open(testOptions(store));
    const fga = app.get(OpenFgaService);
    const core = app.get<OpenFgaCore>(getOpenFgaCoreToken());
    await fga.grant('user:anne', 'viewer', 'document:older');
    const grantedAt = Date.now();
    await sleep(300);
    await fga.grant('user:bob', 'viewer', 'document:newer');
    expect((await core.buffer.claim(1, 60_000))?.operations.map((o) => o.key)).toEqual(['user:anne viewer document:older']);
    await core.redis.del(core.buffer.keys.flight); // as an older version leaves it
    const status = await fga.status();
    expect(status).toMatchObject({ pending: { total: 1 }, inFlight: 1 });
    expect(status.oldestAgeMs).toBeGreaterThanOrEqual(300); // anne's grant, in flight; bob's is younger
    expect(status.oldestAgeMs).toBeLessThanOrEqual(Date.now() - grantedAt + 50);
  });

  it('is unhealthy while dead letters are present (configurable), healthy after they are purged', async () => {
    // The app reads a model with document#approver; then the store's model (the fixture's, without it) replaces it
    // before the flush: the grant passes the call, and OpenFGA rejects it.
    const app = await open(testOptions(store, await lenientModelFirst(store)));
    await fixtureModelAgain(store);
    const fga = app.get(OpenFgaService);
    const indicator = app.get(OpenFgaHealthIndicator);
    await fga.grant('user:anne', 'approver', 'document:dead');
    expect(await fga.flush()).toMatchObject({ deadLettered: 1 });

    const { openfga } = await indicator.isHealthy('openfga');
    expect(openfga).toMatchObject({ status: 'down', deadLettered: 1, pending: 0 });
    expect(openfga.reasons).toEqual(['1 operation dead-lettered, over maxDeadLetters (0): see getDeadLetters()']);
    expect((await indicator.isHealthy('openfga', { maxDeadLetters: Infinity })).openfga.status).toBe('up');
    expect((await indicator.isHealthy('openfga', { maxDeadLetters: 1 })).openfga.status).toBe('up');

    expect(await fga.purgeDeadLetters()).toBe(1);
    expect((await indicator.isHealthy('openfga')).openfga.status).toBe('up');
  });

  it('is unhealthy when OpenFGA is unreachable (closed loopback port), with the cause, in bounded time', async () => {
    const app = await open(testOptions(store, { apiUrl: `http://127.0.0.1:${await freePort()}` }));
    const started = Date.now();
    const res = await request(app.getHttpServer()).get('/health').expect(503);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.body.error.openfga).toMatchObject({ status: 'down', redis: 'up', openfga: 'down', pending: 0 });
    expect(res.body.error.openfga.reasons).toEqual([expect.stringMatching(/^OpenFGA unreachable: .*ECONNREFUSED/)]);
  });

  it('is unhealthy when OpenFGA does not answer within timeout (a loopback listener that never replies)', async () => {
    const sockets = new Set<Socket>();
    const blackHole: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const port = await freePort();
    await new Promise<void>((res) => blackHole.listen(port, '127.0.0.1', res));
    try {
      const app = await open(testOptions(store, { apiUrl: `http://127.0.0.1:${port}` }), { timeout: 0.5 });
      const started = Date.now();
      const { openfga } = await app.get(OpenFgaHealthIndicator).isHealthy('openfga');
      expect(Date.now() - started).toBeLessThan(3000);
      expect(openfga).toMatchObject({ status: 'down', redis: 'up', openfga: 'down' });
      expect(openfga.reasons).toEqual([expect.stringMatching(/^OpenFGA unreachable: .*500 ms/)]);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((res) => blackHole.close(res));
    }
  });

  it('skips OpenFGA with checkOpenFga: false', async () => {
    const app = await open(testOptions(store, { apiUrl: `http://127.0.0.1:${await freePort()}` }), { checkOpenFga: false });
    const { openfga } = await app.get(OpenFgaHealthIndicator).isHealthy('openfga');
    expect(openfga).toMatchObject({ status: 'up', openfga: 'skipped', redis: 'up' });
  });

  it('is unhealthy when Redis goes away, within the timeout, and healthy once it is back', async () => {
    const redis = await startRedis();
    try {
      const app = await open(testOptions(store, { redis: redis.url }), { timeout: 1 });
      const indicator = app.get(OpenFgaHealthIndicator);
      expect((await indicator.isHealthy('openfga')).openfga).toMatchObject({ status: 'up', redis: 'up' });

      await redis.stop();
      const started = Date.now();
      const { openfga } = await indicator.isHealthy('openfga');
      expect(Date.now() - started).toBeLessThan(3000);
      expect(openfga).toMatchObject({ status: 'down', redis: 'down', openfga: 'up' });
      expect(openfga.pending).toBeUndefined();
      expect(openfga.reasons).toEqual([expect.stringMatching(/^Redis unreachable: /)]);

      // Back on the same port (a fresh, empty Redis): the client reconnects and the indicator recovers.
      const back = await startRedis({ port: redis.port });
      try {
        const deadline = Date.now() + 15_000;
        let status = 'down';
        while (status !== 'up' && Date.now() < deadline) {
          status = (await indicator.isHealthy('openfga')).openfga.status;
          if (status !== 'up') await sleep(100);
        }
        expect(status).toBe('up');
        await app.close();
        apps.splice(apps.indexOf(app), 1);
      } finally {
        await back.stop();
      }
    } finally {
      await redis.stop();
    }
  });

  it('reports Redis memory against maxmemory, and is unhealthy over maxMemoryUsage (a full noeviction Redis refuses grants)', async () => {
    const redis = await startRedis({ args: ['--maxmemory-policy', 'noeviction'] });
    const admin = new Redis(redis.url);
    try {
      const app = await open(testOptions(store, { redis: redis.url }));
      const indicator = app.get(OpenFgaHealthIndicator);
      const unlimited = (await indicator.isHealthy('openfga')).openfga;
      expect(unlimited.status).toBe('up');
      expect(unlimited.redisMemory).toBeUndefined();

      const used = Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1]);
      await admin.config('SET', 'maxmemory', String(used * 20));
      const roomy = (await indicator.isHealthy('openfga')).openfga;
      expect(roomy).toMatchObject({ status: 'up', redisMemory: { node: `127.0.0.1:${redis.port}`, maxBytes: used * 20 } });

      await admin.config('SET', 'maxmemory', String(Math.round(used * 1.02)));
      const full = (await indicator.isHealthy('openfga')).openfga;
      expect(full.status).toBe('down');
      expect(full.reasons).toEqual([
        expect.stringMatching(
          new RegExp(
            `^Redis 127\\.0\\.0\\.1:${redis.port} uses \\d+% of maxmemory \\(\\d+ of \\d+ bytes\\), over maxMemoryUsage \\(0\\.9\\)`,
          ),
        ),
      ]);
      await expect(indicator.isHealthy('openfga', { maxMemoryUsage: 0 })).rejects.toThrow('OpenFgaHealth option "maxMemoryUsage"');
      await admin.config('SET', 'maxmemory', '0');
      await app.close();
      apps.splice(apps.indexOf(app), 1);
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  });

  it('rejects bad thresholds at start-up and per call, naming the option', async () => {
    // The testing module stands in for OpenFgaModule here, so a failed compile leaves no Redis client behind.
    await expect(
      Test.createTestingModule({ imports: [OpenFgaTestingModule.forRoot(), OpenFgaHealthModule.forRoot({ maxPending: -1 })] }).compile(),
    ).rejects.toThrow('OpenFgaHealth option "maxPending" must be a number >= 0, or Infinity (received -1)');
    const app = await open(testOptions(store));
    const indicator = app.get(OpenFgaHealthIndicator);
    await expect(indicator.isHealthy('openfga', { timeout: 0 })).rejects.toThrow('OpenFgaHealth option "timeout"');
    // Longer than a Node.js timer holds: every probe would time out after 1 ms.
    await expect(indicator.isHealthy('openfga', { timeout: 3e6 })).rejects.toThrow(
      'OpenFgaHealth option "timeout" must be a positive number of seconds, at most 2147483',
    );
    await expect(indicator.isHealthy('openfga', { maxPendng: 1 } as OpenFgaHealthOptions)).rejects.toThrow(
      'OpenFgaHealth option "maxPendng" must be one of the known options (connection, maxPending,',
    );
    await expect(indicator.isHealthy('openfga', { maxMemoryUsage: 2 })).rejects.toMatchObject({
      name: 'InvalidOptionsError',
      owner: 'OpenFgaHealth',
      option: 'maxMemoryUsage',
    });
  });

  it('takes its thresholds from forRootAsync', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenFgaModule.forRoot(testOptions(store)),
        OpenFgaHealthModule.forRootAsync({ useFactory: async () => ({ maxPending: 0 }) }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    await app.init();
    await app.get(OpenFgaService).grant('user:anne', 'viewer', 'document:async');
    const { openfga } = await app.get(OpenFgaHealthIndicator).isHealthy('openfga');
    expect(openfga.reasons).toEqual(['1 operation pending, over maxPending (0)']);
  });

  it('does not load @nestjs/terminus at run time, so the main entry point may export it without a new dependency', () => {
    const script = "require('./src/health'); process.stdout.write(JSON.stringify(Object.keys(require.cache)));";
    const out = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.status).toBe(0);
    const loaded = JSON.parse(out.stdout) as string[];
    expect(loaded.some((f) => f.endsWith(join('src', 'health', 'openfga-health.indicator.ts')))).toBe(true);
    expect(loaded.filter((f) => /node_modules[\\/]@nestjs[\\/]terminus[\\/]/.test(f))).toEqual([]);
  });
});

@Controller('health')
class EveryConnectionHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly openfga: OpenFgaHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check(this.openfga.connections().map((c) => () => this.openfga.isHealthy(`openfga_${c}`, { connection: c })));
  }
}

describe('OpenFgaHealthIndicator with two connections, on the real servers', () => {
  let main: TestStore;
  let billing: TestStore;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    [main, billing] = await Promise.all([freshStore('health-main'), freshStore('health-billing')]);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  it('checks each connection under its own key: the one over its threshold is down, the other up', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenFgaModule.forRoot(testOptions(main)),
        OpenFgaModule.forRoot({ name: 'billing', ...testOptions(billing) }),
        TerminusModule.forRoot({ logger: false }),
        OpenFgaHealthModule.forRoot({ maxPending: 1 }),
      ],
      controllers: [EveryConnectionHealthController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    await app.init();
    const indicator = app.get(OpenFgaHealthIndicator);
    expect(indicator.connections()).toEqual(['default', 'billing']);

    const billingFga = app.get<OpenFgaService>(getOpenFgaServiceToken('billing'));
    await billingFga.grantMany(['a', 'b'].map((id) => ({ user: `user:${id}`, relation: 'viewer', object: 'document:b' })));

    const res = await request(app.getHttpServer()).get('/health').expect(503);
    expect(res.body.info.openfga_default).toMatchObject({ status: 'up', connection: 'default', pending: 0 });
    expect(res.body.error.openfga_billing).toMatchObject({
      status: 'down',
      connection: 'billing',
      pending: 2,
      reasons: ['2 operations pending, over maxPending (1)'],
    });
    // Per call: one connection, its own key.
    expect((await indicator.isHealthy('fga', { connection: 'billing', maxPending: 5 })).fga).toMatchObject({
      status: 'up',
      connection: 'billing',
      openfga: 'up',
    });
    expect((await indicator.isHealthy('fga')).fga.connection).toBe('default');

    expect(await billingFga.flush()).toMatchObject({ writes: 2 });
    await request(app.getHttpServer()).get('/health').expect(200);
  });

  it('with named connections only: the default is not there, a call or a forRoot naming a missing one fails naming those there are', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaModule.forRoot({ name: 'billing', ...testOptions(billing) }), OpenFgaHealthModule],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    await app.init();
    const indicator = app.get(OpenFgaHealthIndicator);
    expect((await indicator.isHealthy('openfga', { connection: 'billing' })).openfga).toMatchObject({ status: 'up', redis: 'up' });
    await expect(indicator.isHealthy('openfga')).rejects.toThrow('OpenFgaHealth: no OpenFGA connection "default" (registered: billing)');
    await expect(indicator.isHealthy('openfga', { connection: 'bil ling' })).rejects.toThrow(
      'OpenFgaHealth option "connection" must be a connection name',
    );

    // The testing module stands in here, so the failed start leaves no Redis client behind.
    await expect(
      Test.createTestingModule({
        imports: [OpenFgaTestingModule.forRoot({ name: 'billing' }), OpenFgaHealthModule.forRoot({ connection: 'biling' })],
      })
        .compile()
        .then((failing) => failing.init()),
    ).rejects.toThrow('OpenFgaHealth: no OpenFGA connection "biling" (registered: billing)');
  });
});
