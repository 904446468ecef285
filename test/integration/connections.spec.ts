/**
 * Named connections (issue 25) on the real servers: two OpenFgaModule
 * connections in one app, to two stores with different models, each with
 * its own buffer, cache, flusher, triggers and queue. A write on one is
 * never visible on the other (checks, lists, status, cache); each flushes
 * on its own triggers; one Redis client may be shared; queue mode runs one
 * flush queue per connection; killing a process mid-flush loses nothing on
 * either. Runs on the standalone Redis and on the Cluster
 * (NESTJS_OPENFGA_REDIS=cluster).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import IORedis, { Cluster, Redis } from 'ioredis';
import {
  getFlushQueueName,
  getOpenFgaServiceToken,
  InjectOpenFga,
  InvalidTupleError,
  OpenFgaModule,
  OpenFgaModuleOptions,
  OpenFgaService,
} from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { createStore, TestStore } from '../support/harness/store';
import { PROJECT_ROOT } from '../support/harness/servers';
import { killAllChildren, startChild } from '../support/processes/child-process';
import { readAllTuples, tupleId } from '../support/state/fga-state';

jest.setTimeout(120_000);

const ROLE_MODEL = join(PROJECT_ROOT, 'test', 'fixtures', 'role-assignments.fga');

function billingStore(): Promise<TestStore> {
  return createStore(serverEnv().apiUrl, `billing-${randomUUID().slice(0, 8)}`, ROLE_MODEL);
}

/** A provider that takes the billing connection by name, as an app's own service would. */
@Injectable()
class Invoices {
  constructor(@InjectOpenFga('billing') readonly fga: OpenFgaService) {}
}

async function boot(imports: ReturnType<typeof OpenFgaModule.forRoot>[], providers: (typeof Invoices)[] = []) {
  const moduleRef = await Test.createTestingModule({ imports, providers }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('named connections', () => {
  let docs: TestStore;
  let billing: TestStore;
  let app: INestApplicationContext | undefined;
  beforeEach(async () => {
    [docs, billing] = await Promise.all([freshStore('connections'), billingStore()]);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    killAllChildren();
  });

  it('two connections to two stores with different models never see each other', async () => {
    app = await boot(
      [OpenFgaModule.forRoot(testOptions(docs)), OpenFgaModule.forRoot({ name: 'billing', ...testOptions(billing) })],
      [Invoices],
    );
    const main = app.get(OpenFgaService);
    const invoices = app.get(Invoices).fga;
    expect(invoices).toBe(app.get(getOpenFgaServiceToken('billing')));
    expect(invoices).not.toBe(main);

    await main.grant('user:anne', 'viewer', 'document:1');
    await invoices.grant('user:anne', 'owner', 'project:1');
    // Each model refuses the other's relations: the write rules are per connection.
    await expect(main.grant('user:anne', 'owner', 'project:1')).rejects.toThrow(InvalidTupleError);
    await expect(invoices.grant('user:anne', 'viewer', 'document:1')).rejects.toThrow(InvalidTupleError);

    // Pending: each buffer holds only its own write, each check sees only its own.
    expect((await main.status()).pending.total).toBe(1);
    expect((await invoices.status()).pending.total).toBe(1);
    expect(await main.check('user:anne', 'viewer', 'document:1')).toBe(true);
    expect(await invoices.check('user:anne', 'can_view', 'project:1')).toBe(true);
    expect(await main.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:1']);
    expect(await invoices.listObjects('user:anne', 'can_view', 'project')).toEqual(['project:1']);

    // Flushing one connection writes only its store.
    await main.flush();
    expect((await readAllTuples(docs.storeId)).map(tupleId)).toEqual(['user:anne viewer document:1']);
    expect(await readAllTuples(billing.storeId)).toEqual([]);
    expect((await invoices.status()).pending.total).toBe(1);
    await invoices.flush();
    expect((await readAllTuples(billing.storeId)).map(tupleId)).toEqual(['user:anne owner project:1']);

    // Cached answers are per connection: a revoke on billing drops billing's answer, not the main one.
    expect(await main.check('user:anne', 'viewer', 'document:1')).toBe(true);
    expect(await invoices.check('user:anne', 'can_view', 'project:1')).toBe(true);
    await invoices.revoke('user:anne', 'owner', 'project:1');
    expect(await invoices.check('user:anne', 'can_view', 'project:1')).toBe(false);
    expect(await main.check('user:anne', 'viewer', 'document:1')).toBe(true);
  });

  it('each connection flushes on its own triggers', async () => {
    app = await boot([
      OpenFgaModule.forRoot(testOptions(docs, { autoFlush: true, batchSize: 2, flushInterval: 300 })),
      OpenFgaModule.forRoot({ name: 'billing', ...testOptions(billing, { autoFlush: true, batchSize: 1000, flushInterval: 0.5 }) }),
    ]);
    const main = app.get(OpenFgaService);
    const invoices = app.get<OpenFgaService>(getOpenFgaServiceToken('billing'));
    await main.grantMany([
      { user: 'user:a', relation: 'viewer', object: 'document:1' },
      { user: 'user:b', relation: 'viewer', object: 'document:1' },
    ]);
    await invoices.grant('user:a', 'owner', 'project:1');
    // Main: its size trigger (2) fired; billing: its age trigger (0.5 s).
    await eventually('main flushed by size', async () => (await readAllTuples(docs.storeId)).length === 2);
    await eventually('billing flushed by age', async () => (await readAllTuples(billing.storeId)).length === 1);
    // A single grant on main stays pending: its age trigger is 300 s, billing's flushes do not touch it.
    await main.grant('user:c', 'viewer', 'document:2');
    await invoices.grant('user:b', 'owner', 'project:2');
    await eventually('billing flushed again', async () => (await readAllTuples(billing.storeId)).length === 2);
    expect((await main.status()).pending.total).toBe(1);
  });

  it('one Redis client shared by both connections, and an app with only named connections', async () => {
    const env = serverEnv();
    const shared: Redis | Cluster = env.clusterNodes ? new Cluster(env.clusterNodes) : new IORedis(env.redisUrl);
    try {
      app = await boot([
        OpenFgaModule.forRoot({ name: 'docs', ...testOptions(docs, { redis: shared }) }),
        OpenFgaModule.forRootAsync({ name: 'billing', useFactory: () => testOptions(billing, { redis: shared }) }),
      ]);
      expect(() => app!.get(OpenFgaService)).toThrow();
      const a = app.get<OpenFgaService>(getOpenFgaServiceToken('docs'));
      const b = app.get<OpenFgaService>(getOpenFgaServiceToken('billing'));
      await a.grant('user:anne', 'viewer', 'document:1');
      await b.grant('user:anne', 'owner', 'project:1');
      expect(await a.check('user:anne', 'viewer', 'document:1')).toBe(true);
      expect(await b.check('user:anne', 'can_view', 'project:1')).toBe(true);
      expect((await a.status()).pending.total).toBe(1);
      await app.close();
      app = undefined;
      // The client was passed in: it stays open for its owner.
      expect(await shared.ping()).toBe('PONG');
    } finally {
      shared.disconnect();
    }
  });

  it('refuses a connection name that could not be a token or a queue name', () => {
    expect(() => OpenFgaModule.forRoot({ name: 'bill ing', ...testOptions(docs) })).toThrow(/"name" must be a connection name/);
    expect(() => OpenFgaModule.forRootAsync({ name: '', useFactory: () => testOptions(docs) })).toThrow(/"name" must be a connection name/);
  });

  it('queue mode: one flush queue per connection, each written by its own worker', async () => {
    @Module({})
    class QueueApp {}
    const queue = { enabled: true, worker: true };
    app = await boot([
      OpenFgaModule.forRoot(testOptions(docs, { queue })),
      OpenFgaModule.forRoot({ name: 'billing', ...testOptions(billing, { queue }) }),
      { module: QueueApp },
    ]);
    const main = app.get(OpenFgaService);
    const invoices = app.get<OpenFgaService>(getOpenFgaServiceToken('billing'));
    const { getQueueToken } = await import('@nestjs/bullmq');
    const mainQueue = app.get<{ name: string }>(getQueueToken(getFlushQueueName()));
    const billingQueue = app.get<{ name: string }>(getQueueToken(getFlushQueueName('billing')));
    expect([mainQueue.name, billingQueue.name]).toEqual(['openfga-flush', 'openfga-flush-billing']);

    await main.grant('user:anne', 'viewer', 'document:1');
    await invoices.grant('user:anne', 'owner', 'project:1');
    await main.flush();
    await invoices.flush();
    await eventually('both workers wrote their store', async () => {
      const [a, b] = await Promise.all([readAllTuples(docs.storeId), readAllTuples(billing.storeId)]);
      return a.length === 1 && b.length === 1;
    });
    expect((await readAllTuples(billing.storeId)).map(tupleId)).toEqual(['user:anne owner project:1']);
  });

  it('killing a process mid-flush of both connections loses nothing on either', async () => {
    const connections: { name: string; options: OpenFgaModuleOptions }[] = [
      {
        name: 'default',
        options: testOptions(docs, { batchSize: 20, maxTuplesPerWrite: 10, maxParallelRequests: 1, leaseTtl: 3, requestTimeout: 1 }),
      },
      {
        name: 'billing',
        options: testOptions(billing, { batchSize: 20, maxTuplesPerWrite: 10, maxParallelRequests: 1, leaseTtl: 3, requestTimeout: 1 }),
      },
    ];
    // The backlog, acknowledged by this process.
    app = await boot(connections.map((c) => OpenFgaModule.forRoot({ ...c.options, ...(c.name === 'default' ? {} : { name: c.name }) })));
    const main = app.get(OpenFgaService);
    const invoices = app.get<OpenFgaService>(getOpenFgaServiceToken('billing'));
    const N = 400;
    await main.grantMany(Array.from({ length: N }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: 'document:1' })));
    await invoices.grantMany(Array.from({ length: N }, (_, i) => ({ user: `user:u${i}`, relation: 'owner', object: 'project:1' })));

    // A second process flushes both connections and is killed once both have written some batches.
    const child = startChild('connections-flush-process.ts', connections[0].options, {
      NESTJS_OPENFGA_CONNECTIONS: JSON.stringify(connections),
    });
    await child.waitFor((e) => e.event === 'progress' && e.connection === 'default', 60_000);
    await child.waitFor((e) => e.event === 'progress' && e.connection === 'billing', 60_000);
    child.process.kill('SIGKILL');
    await child.exited;
    expect(child.events.some((e) => e.event === 'done')).toBe(false);

    // This process takes over the killed one's leases once they expire and writes everything.
    await eventually(
      'both stores complete',
      async () => {
        await Promise.all([main.flush(), invoices.flush()]);
        const [a, b] = await Promise.all([readAllTuples(docs.storeId), readAllTuples(billing.storeId)]);
        return a.length === N && b.length === N;
      },
      60_000,
    );
    for (const fga of [main, invoices]) {
      const s = await fga.status();
      expect([s.pending.total, s.inFlight, s.deadLettered]).toEqual([0, 0, 0]);
    }
  });
});
