/**
 * Queue mode through @nestjs/bullmq on the real servers: the flush queue is
 * registered with BullModule (on the app's `BullModule.forRoot` connection and
 * prefix when it has them), injectable with `@InjectQueue(OPENFGA_FLUSH_QUEUE)`,
 * listed by Bull Board, and processed by a `WorkerHost` that a worker-only
 * app runs for jobs a producer-only app enqueued. Runs on the standalone
 * Redis, and on the cluster with NESTJS_OPENFGA_REDIS=cluster.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullModule, getQueueToken, InjectQueue } from '@nestjs/bullmq';
import { INestApplication, Injectable, Module, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import request from 'supertest';
import { getFlushQueuePrefix, OPENFGA_FLUSH_QUEUE, OpenFgaModule, OpenFgaModuleOptions, OpenFgaService, Tuple } from '../../src';
import type { OpenFgaCore } from '../../src/core/openfga-core';
import { OPENFGA_CORE } from '../../src/openfga.constants';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { startSwitchableProxy } from '../support/faults/switchable-proxy';
import type { TestStore } from '../support/harness/store';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { eventually } from '../support/state/flush-queue-state';

/** @bull-board/express ships its own copy of @bull-board/api (a patch apart): same shape, separately declared types. */
type BoardServer = Parameters<typeof createBullBoard>[0]['serverAdapter'];

const tuples = (n: number): Tuple[] =>
  Array.from({ length: n }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: `document:d${i}` }));

/** A user service that injects the flush queue the way Nest apps inject theirs. */
@Injectable()
class QueueWatcher {
  constructor(@InjectQueue(OPENFGA_FLUSH_QUEUE) readonly queue: Queue) {}
}

describe('queue mode through @nestjs/bullmq', () => {
  let store: TestStore;
  const closers: (() => Promise<unknown>)[] = [];

  /** The app's own Redis client for BullModule.forRoot (a Cluster client on a cluster); BullMQ's blocking connections need no retry limit. */
  function appRedis(): Redis | Cluster {
    const nodes = serverEnv().clusterNodes;
    const client = nodes
      ? new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: null } })
      : new Redis(serverEnv().redisUrl, { maxRetriesPerRequest: null });
    closers.push(async () => client.disconnect());
    return client;
  }

  /** Every key matching `pattern`, on every master of a cluster. */
  async function keysMatching(pattern: string): Promise<string[]> {
    const nodes = serverEnv().clusterNodes;
    const client = nodes ? new Cluster(nodes) : new Redis(serverEnv().redisUrl);
    try {
      // A cluster client knows its masters once it has read the slots.
      if (client instanceof Cluster && client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
      const masters = client instanceof Cluster ? client.nodes('master') : [client];
      const keys = await Promise.all(masters.map((node) => node.keys(pattern)));
      return keys.flat().sort();
    } finally {
      client.disconnect();
    }
  }

  const queueOptions = (queue: OpenFgaModuleOptions['queue'] = {}, overrides: Partial<OpenFgaModuleOptions> = {}): OpenFgaModuleOptions =>
    testOptions(store, {
      leaseTtl: 2,
      requestTimeout: 1,
      changeFeed: { enabled: false },
      ...overrides,
      queue: { enabled: true, attempts: 3, backoff: 0.2, timeout: 1, ...queue },
    });

  async function startApp(
    metadata: ModuleMetadata,
  ): Promise<{ app: INestApplication; fga: OpenFgaService; core: OpenFgaCore; queue: Queue }> {
    @Module({ ...metadata, providers: [...(metadata.providers ?? []), QueueWatcher] })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: ['error'] });
    let closing: Promise<void> | undefined;
    closers.push(() => (closing ??= app.close()));
    return { app, fga: app.get(OpenFgaService), core: app.get<OpenFgaCore>(OPENFGA_CORE), queue: app.get(QueueWatcher).queue };
  }

  const landed = async (expected: Tuple[]) =>
    JSON.stringify((await readAllTuples(store.storeId)).map(tupleId).sort()) === JSON.stringify(expected.map(tupleId).sort());
  const settled = async (fga: OpenFgaService) => {
    const s = await fga.status();
    return s.pending.total === 0 && s.inFlight === 0;
  };

  beforeEach(async () => {
    store = await freshStore('bullmq');
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });

  it("reuses the app's BullModule.forRoot connection and prefix: the injected queue is the flusher's, its keys sit under the app prefix", async () => {
    const client = appRedis();
    const bullPrefix = `app${store.storeId.slice(-6).toLowerCase()}`;
    const options = queueOptions({}, { batchSize: 2 });
    const { app, fga, core, queue } = await startApp({
      imports: [BullModule.forRoot({ connection: client, prefix: bullPrefix }), OpenFgaModule.forRoot(options)],
    });
    await app.init();

    // The queue a user service injects is the one the flusher enqueues on, on the app's client and under its prefix.
    expect(queue.name).toBe(OPENFGA_FLUSH_QUEUE);
    expect(queue.opts.prefix).toBe(getFlushQueuePrefix(store.storeId, options.prefix, bullPrefix));
    expect(queue.opts.prefix).toBe(`${bullPrefix}:${options.prefix}:{${store.storeId}}:bull`);
    expect(queue.opts.connection).toBe(client);
    expect(core.queue?.workerRunning).toBe(true);

    const all = tuples(3);
    await fga.grantMany(all);
    expect(await fga.flush()).toMatchObject({ queued: 3, jobs: 2 });
    await eventually('all tuples written by the hosted worker', () => landed(all));
    await eventually('buffer drained', () => settled(fga));
    await eventually('two completed jobs on the injected queue', async () => (await queue.getJobCounts('completed')).completed === 2);
    const jobs = await queue.getCompleted();
    expect(jobs.map((j) => j.returnvalue)).toEqual([
      expect.objectContaining({ outcome: 'settled' }),
      expect.objectContaining({ outcome: 'settled' }),
    ]);

    // In Redis: BullMQ's keys of the flush queue under the app prefix (and the store's hash tag), none under the module's own.
    const keys = await keysMatching(`${bullPrefix}:*`);
    expect(keys).toEqual(
      expect.arrayContaining([`${queue.opts.prefix}:${OPENFGA_FLUSH_QUEUE}:completed`, `${queue.opts.prefix}:${OPENFGA_FLUSH_QUEUE}:meta`]),
    );
    expect(keys.every((k) => k.startsWith(`${bullPrefix}:${options.prefix}:{${store.storeId}}:bull:${OPENFGA_FLUSH_QUEUE}:`))).toBe(true);
    expect(await keysMatching(`${getFlushQueuePrefix(store.storeId, options.prefix)}:*`)).toEqual([]);
  });

  it('lists the flush queue and its jobs in Bull Board mounted on the Nest app', async () => {
    const options = queueOptions({}, { batchSize: 2 });
    const { app, fga, queue } = await startApp({
      imports: [BullModule.forRoot({ connection: appRedis(), prefix: 'board' }), OpenFgaModule.forRoot(options)],
    });
    const board = new ExpressAdapter();
    board.setBasePath('/queues');
    createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter: board as unknown as BoardServer });
    app.use('/queues', board.getRouter());
    await app.init();

    const all = tuples(3);
    await fga.grantMany(all);
    await fga.flush();
    await eventually('all tuples written', () => landed(all));
    await eventually('two completed jobs', async () => (await queue.getJobCounts('completed')).completed === 2);

    const res = await request(app.getHttpServer())
      .get('/queues/api/queues')
      .query({ activeQueue: OPENFGA_FLUSH_QUEUE, status: 'completed', page: 1, jobsPerPage: 10 })
      .expect(200);
    const listed = (
      res.body as { queues: { name: string; counts: Record<string, number>; jobs: { id: string; name: string; data: unknown }[] }[] }
    ).queues;
    expect(listed.map((q) => q.name)).toEqual([OPENFGA_FLUSH_QUEUE]);
    expect(listed[0].counts).toMatchObject({ completed: 2, failed: 0 });
    expect(listed[0].jobs).toHaveLength(2);
    for (const job of listed[0].jobs) {
      expect(job).toMatchObject({ name: 'flush-batch', data: { storeId: store.storeId, prefix: options.prefix, batchId: job.id } });
    }
  });

  it('a worker-only app processes the jobs a producer-only app enqueued (queue.worker: false / true)', async () => {
    const options = queueOptions();
    const bull = () => BullModule.forRoot({ connection: appRedis(), prefix: 'split' });
    const producer = await startApp({
      imports: [bull(), OpenFgaModule.forRoot({ ...options, queue: { ...options.queue, worker: false } })],
    });
    await producer.app.init();
    expect(producer.core.queue?.workerRunning).toBe(false);
    const all = tuples(4);
    await producer.fga.grantMany(all);
    expect(await producer.fga.flush()).toMatchObject({ queued: 4, jobs: 1 });
    // No worker anywhere yet: the job waits.
    expect(await producer.queue.getJobCounts('waiting')).toMatchObject({ waiting: 1 });
    expect(await producer.queue.getWorkersCount()).toBe(0);

    const worker = await startApp({ imports: [bull(), OpenFgaModule.forRoot({ ...options, autoFlush: false, flushOnShutdown: false })] });
    await worker.app.init();
    expect(worker.core.queue?.workerRunning).toBe(true);
    await eventually('the worker app wrote the producer app’s job', () => landed(all));
    await eventually('the producer app sees its buffer drained', () => settled(producer.fga));
    await eventually('the job completed', async () => (await producer.queue.getJobCounts('completed')).completed === 1);
  });

  it('without BullModule.forRoot: the queue is on the module Redis and prefix, still injectable; a custom queue.name is processed too', async () => {
    const options = queueOptions({ name: 'authz-flush' });
    const { app, fga, queue } = await startApp({ imports: [OpenFgaModule.forRoot(options)] });
    await app.init();
    expect(queue.name).toBe('authz-flush');
    expect(queue.opts.prefix).toBe(getFlushQueuePrefix(store.storeId, options.prefix));
    await fga.grant('user:x', 'viewer', 'document:x');
    await fga.flush();
    await eventually('written by the worker of the custom-named queue', () =>
      landed([{ user: 'user:x', relation: 'viewer', object: 'document:x' }]),
    );
    expect((await keysMatching(`${queue.opts.prefix}:authz-flush:*`)).length).toBeGreaterThan(0);
  });

  it('starts while the queue Redis refuses connections (the worker BullModule built keeps reconnecting) and writes once Redis answers', async () => {
    // A loopback proxy in front of the real standalone Redis, refusing at first.
    const proxy = await startSwitchableProxy(serverEnv().redisUrl, 'refuse');
    closers.push(() => proxy.close());
    const options = queueOptions({ connection: `redis://127.0.0.1:${new URL(proxy.url).port}` });
    const { app, fga, core } = await startApp({ imports: [OpenFgaModule.forRoot(options)] });
    // Module init builds the worker, which fails to connect before bootstrap starts it (bootstrap waits 5 s for it, then goes on).
    await app.init();
    expect(proxy.connections.refuse).toBeGreaterThan(0);
    expect(core.queue?.workerRunning).toBe(true);

    proxy.mode = 'forward';
    await fga.grant('user:z', 'viewer', 'document:z');
    await eventually('enqueued once Redis answers', async () => ((await fga.flush()).jobs ?? 0) > 0, 30_000, 500);
    await eventually(
      'written by the worker once reconnected',
      () => landed([{ user: 'user:z', relation: 'viewer', object: 'document:z' }]),
      30_000,
    );
  }, 60_000);

  it('bullQueue: false keeps queue mode on BullMQ directly: nothing registered with BullModule, jobs still written', async () => {
    const options = queueOptions();
    const moduleRef = await Test.createTestingModule({ imports: [OpenFgaModule.forRoot({ ...options, bullQueue: false })] }).compile();
    const app = moduleRef.createNestApplication({ logger: ['error'] });
    closers.push(() => app.close());
    await app.init();
    expect(() => app.get(getQueueToken(OPENFGA_FLUSH_QUEUE), { strict: false })).toThrow();
    const fga = app.get(OpenFgaService);
    await fga.grant('user:p', 'viewer', 'document:p');
    expect(await fga.flush()).toMatchObject({ queued: 1, jobs: 1 });
    await eventually('written by the plain worker', () => landed([{ user: 'user:p', relation: 'viewer', object: 'document:p' }]));
  });

  it('forRootAsync registers the queue through BullModule with bullQueue: true', async () => {
    const options = queueOptions();
    const { app, fga, queue } = await startApp({
      imports: [
        BullModule.forRoot({ connection: appRedis(), prefix: 'async' }),
        OpenFgaModule.forRootAsync({ bullQueue: true, useFactory: async () => options }),
      ],
    });
    await app.init();
    expect(queue.opts.prefix).toBe(getFlushQueuePrefix(store.storeId, options.prefix, 'async'));
    await fga.grant('user:y', 'viewer', 'document:y');
    await fga.flush();
    await eventually('written', () => landed([{ user: 'user:y', relation: 'viewer', object: 'document:y' }]));
    await eventually('its job completed', async () => (await queue.getJobCounts('completed')).completed === 1);
  });
});
