/**
 * Queue mode (`queue.enabled`) on the real servers: every flush trigger
 * claims leased batches and enqueues one BullMQ job per batch; workers
 * write them to OpenFGA with retries, dead letters and stalled-job recovery.
 * Network failures are real (a loopback proxy in front of the real OpenFGA
 * that refuses or holds connections, or a closed port).
 */
import { Test, TestingModule } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { OpenFgaModule, OpenFgaModuleOptions, OpenFgaService, Tuple } from '../../src';
import type { OpenFgaCore } from '../../src/core/openfga-core';
import { OPENFGA_CORE } from '../../src/openfga.constants';
import { DEFAULT_QUEUE_OPTIONS } from '../../src/options/defaults';
import { getFlushQueuePrefix } from '../../src/queue/flush-queue-prefix';
import { startChild, RunningChild } from '../support/processes/child-process';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { eventually, InspectedQueue, inspectFlushQueue, jobsIn } from '../support/state/flush-queue-state';
import { freePort } from '../support/harness/servers';
import { openService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';
import { fixtureModelAgain, lenientModelFirst } from '../support/harness/model-behind';
import { startSwitchableProxy } from '../support/faults/switchable-proxy';

const tuples = (n: number, relation = 'viewer'): Tuple[] =>
  Array.from({ length: n }, (_, i) => ({ user: `user:u${i}`, relation, object: `document:d${i}` }));

describe('queue mode', () => {
  let store: TestStore;
  const closers: (() => Promise<unknown>)[] = [];
  const later = <T extends { close(): Promise<unknown> }>(x: T): T => {
    closers.push(() => x.close());
    return x;
  };

  /** Short timings: 3 attempts, 0.2 s backoff, 1 s job timeout and request timeout. */
  const queueOptions = (overrides: Partial<OpenFgaModuleOptions> = {}, queue: OpenFgaModuleOptions['queue'] = {}): OpenFgaModuleOptions =>
    testOptions(store, {
      leaseTtl: 2,
      requestTimeout: 1,
      retryBaseDelay: 0.05,
      retryMaxDelay: 0.2,
      changeFeed: { enabled: false }, // tests count connections through a proxy: no poller traffic
      ...overrides,
      queue: { enabled: true, attempts: 3, backoff: 0.2, timeout: 1, ...queue },
    });

  /** The module's flush queue, read through the Redis the suite runs on (the standalone server, or the cluster); closed after the test. */
  function inspectQueue(options: OpenFgaModuleOptions): InspectedQueue {
    const nodes = serverEnv().clusterNodes;
    if (!nodes) return later(inspectFlushQueue(options));
    const cluster = new Cluster(nodes);
    closers.push(async () => cluster.disconnect());
    return later(
      new Queue(options.queue?.name ?? DEFAULT_QUEUE_OPTIONS.name, {
        connection: cluster,
        prefix: getFlushQueuePrefix(options.storeId, options.prefix),
      }) as InspectedQueue,
    );
  }

  async function startApp(options: OpenFgaModuleOptions): Promise<{ close(): Promise<void>; fga: OpenFgaService; core: OpenFgaCore }> {
    const app: TestingModule = await Test.createTestingModule({ imports: [OpenFgaModule.forRoot(options)] }).compile();
    let closing: Promise<void> | undefined;
    const close = () => (closing ??= app.close());
    closers.push(close);
    await app.init();
    return { close, fga: app.get(OpenFgaService), core: app.get<OpenFgaCore>(OPENFGA_CORE) };
  }

  const landed = async (expected: Tuple[]) => {
    const ids = (await readAllTuples(store.storeId)).map(tupleId).sort();
    return JSON.stringify(ids) === JSON.stringify(expected.map(tupleId).sort());
  };
  const settled = async (fga: OpenFgaService) => {
    const s = await fga.status();
    return s.pending.total === 0 && s.inFlight === 0;
  };

  beforeEach(async () => {
    store = await freshStore('queue');
  });
  afterEach(async () => {
    // Newest first: apps before the proxies and queues they use.
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });

  it('enqueues one job per claimed batch on a manual flush; a worker in the same app writes them', async () => {
    const options = queueOptions({ batchSize: 2 });
    const { fga, core } = await startApp(options);
    expect(core.queue?.workerRunning).toBe(true);
    const all = tuples(5);
    await fga.grantMany(all);

    const result = await fga.flush();
    expect(result).toMatchObject({ writes: 0, deletes: 0, failed: 0, deadLettered: 0, queued: 5, jobs: 3 });

    await eventually('all five tuples in OpenFGA', () => landed(all));
    await eventually('buffer drained', () => settled(fga));
    const queue = inspectQueue(options);
    await eventually('three completed jobs', async () => (await queue.getJobCounts('completed')).completed === 3);
    const jobs = await queue.getCompleted();
    expect(jobs.map((j) => j.data).sort((a, b) => a.operations - b.operations)).toEqual([
      expect.objectContaining({ storeId: store.storeId, prefix: options.prefix, operations: 1 }),
      expect.objectContaining({ operations: 2 }),
      expect.objectContaining({ operations: 2 }),
    ]);
    for (const job of jobs) expect(job.id).toBe(job.data.batchId);
    expect(await core.queue?.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 3, failed: 0 });
    expect(await fga.status()).toMatchObject({ deadLettered: 0, lastFlush: expect.objectContaining({ outcome: 'settled' }) });
  });

  it('retries a batch that fails twice (connections reset) and writes it on the third attempt', async () => {
    const proxy = later(await startSwitchableProxy(serverEnv().apiUrl, 'refuse'));
    // The first refused connection is the app's read of the authorization model at start-up; the next two are the job's.
    proxy.onConnection(() => {
      if (proxy.connections.refuse >= 3) proxy.mode = 'forward';
    });
    const options = queueOptions({ apiUrl: proxy.url });
    const { fga } = await startApp(options);
    const all = tuples(3);
    await fga.grantMany(all);

    expect(await fga.flush()).toMatchObject({ queued: 3, jobs: 1, failed: 0 });

    await eventually('tuples written on the third attempt', () => landed(all));
    await eventually('buffer drained', () => settled(fga));
    const queue = inspectQueue(options);
    const [job] = await eventually('the job completed', () => jobsIn(queue, 'completed'));
    expect(proxy.connections.refuse).toBe(3);
    expect(job.attemptsMade).toBe(3);
    expect(job.returnvalue).toEqual({ outcome: 'settled', writes: 3, deletes: 0, deadLettered: 0 });
    expect(await fga.getDeadLetters()).toEqual([]);
  });

  it('returns the operations of a job that gives up while OpenFGA is unreachable to the buffer; the triggers enqueue them again', async () => {
    const options = queueOptions({ apiUrl: `http://127.0.0.1:${await freePort()}` }, { attempts: 2 });
    const down = await startApp(options);
    await down.fga.grant('user:a', 'viewer', 'document:1');
    await down.fga.revoke('user:b', 'viewer', 'document:2');

    expect(await down.fga.flush()).toMatchObject({ queued: 2, jobs: 1 });

    const queue = inspectQueue(options);
    const [job] = await eventually('the job gave up', () => jobsIn(queue, 'failed'));
    expect(job.attemptsMade).toBe(2);
    expect(job.failedReason).toContain('flush job gave up after 2 attempts; its operations return to the buffer');
    expect(await down.fga.getDeadLetters()).toEqual([]); // an outage never dead-letters (invariant 4)
    const { pending, inFlight } = await down.fga.status();
    expect(pending.total + inFlight).toBe(2);
    await down.close();

    // OpenFGA is back: the age trigger alone takes the operations back once their backoff ends and enqueues them again.
    const up = await startApp({ ...options, apiUrl: serverEnv().apiUrl, autoFlush: true, flushInterval: 0.2 });
    await eventually('the grant written', () => landed([{ user: 'user:a', relation: 'viewer', object: 'document:1' }]));
    await eventually('buffer drained', () => settled(up.fga));
    // The job settles its batch before BullMQ records it completed: wait for that record, then count.
    await eventually('the second job completed', () => jobsIn(queue, 'completed'));
    expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 1, failed: 1 });
    expect(await up.fga.status()).toMatchObject({ deadLettered: 0 });
  });

  it('dead-letters the operations of a job that gives up on a failure other than an outage (a missing model), with the last error', async () => {
    const options = queueOptions({ authorizationModelId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }, { attempts: 2 });
    const { fga } = await startApp(options);
    await fga.grant('user:a', 'viewer', 'document:1');
    await fga.revoke('user:b', 'viewer', 'document:2');

    expect(await fga.flush()).toMatchObject({ queued: 2, jobs: 1 });

    const queue = inspectQueue(options);
    const [job] = await eventually('the job failed for good', () => jobsIn(queue, 'failed'));
    expect(job.attemptsMade).toBe(2);
    expect(job.failedReason).toBeTruthy();
    const dead = await eventually('two dead letters', async () =>
      (await fga.getDeadLetters()).length === 2 ? fga.getDeadLetters() : null,
    );
    expect(dead.map((d) => `${d.operation.kind} ${d.operation.user}`).sort()).toEqual(['grant user:a', 'revoke user:b']);
    for (const d of dead) {
      expect(d.reason).toContain(job.failedReason);
      expect(d.reason).toContain('gave up after 2 attempts');
      expect(d.reason).toMatch(/Authorization Model '01ARZ3NDEKTSV4RRFFQ69G5FAV' not found/);
    }
    expect(await fga.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0, deadLettered: 2 });
    expect(await readAllTuples(store.storeId)).toEqual([]);
  });

  it('stops an attempt at the job timeout and finishes the batch in the next attempt', async () => {
    // One tuple per request, one request at a time, each slowed down by 0.3 s: five requests outlast the 1 s timeout.
    const proxy = later(await startSwitchableProxy(serverEnv().apiUrl));
    proxy.delayMs = 300;
    const options = queueOptions({ apiUrl: proxy.url, maxTuplesPerWrite: 1, maxParallelRequests: 1, batchSize: 10 });
    const { fga } = await startApp(options);
    const all = tuples(5);
    await fga.grantMany(all);

    expect(await fga.flush()).toMatchObject({ queued: 5, jobs: 1 });

    await eventually('all tuples written', () => landed(all), 15_000);
    await eventually('buffer drained', () => settled(fga));
    const queue = inspectQueue(options);
    const [job] = await eventually('the job completed', () => jobsIn(queue, 'completed'));
    expect(job.attemptsMade).toBeGreaterThanOrEqual(2);
    expect((job.stacktrace ?? []).join('\n')).toMatch(/flush job timed out after 1000 ms/);
    expect(await fga.getDeadLetters()).toEqual([]);
  });

  it('dead-letters a poison tuple (unknown relation) while the rest of its job lands', async () => {
    // The poison passes the model the app read; the model changes before its flush.
    const options = queueOptions(await lenientModelFirst(store));
    const { fga } = await startApp(options);
    await fixtureModelAgain(store);
    const good = tuples(4);
    await fga.grantMany([...good.slice(0, 2), { user: 'user:x', relation: 'no_such_relation', object: 'document:d0' }, ...good.slice(2)]);

    expect(await fga.flush()).toMatchObject({ queued: 5, jobs: 1 });

    await eventually('good tuples in OpenFGA', () => landed(good));
    await eventually('buffer drained', () => settled(fga));
    const dead = await fga.getDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0].operation).toMatchObject({ user: 'user:x', relation: 'no_such_relation' });
    expect(dead[0].reason).toMatch(/no_such_relation/);
    const queue = inspectQueue(options);
    const [job] = await eventually('the job completed', () => jobsIn(queue, 'completed'));
    expect(job.attemptsMade).toBe(1); // a permanent rejection is not retried
    expect(job.returnvalue).toEqual({ outcome: 'settled', writes: 4, deletes: 0, deadLettered: 1 });
  });

  it('recovers a job whose worker was killed mid-job (BullMQ stalled check) in another worker process; nothing is lost', async () => {
    // A long lease: recovery must come from BullMQ's stalled-job handling, not from the lease expiring.
    const base = queueOptions({ leaseTtl: 20, requestTimeout: 5 });
    const { fga } = await startApp({ ...base, queue: { ...base.queue, worker: false } });
    const all = tuples(6);
    await fga.grantMany(all);
    expect(await fga.flush()).toMatchObject({ queued: 6, jobs: 1 });

    const proxy = later(await startSwitchableProxy(serverEnv().apiUrl, 'hold'));
    const doomed: RunningChild = startChild('queue-worker-process.ts', { ...base, apiUrl: proxy.url });
    closers.push(async () => doomed.process.kill('SIGKILL'));
    const queue = inspectQueue(base);
    // Its requests (the model read at start, then the job's write) hang in the proxy: the doomed worker holds the job.
    const holding = eventually('the doomed worker holds the job', async () => (await queue.getJobCounts('active')).active === 1);
    await Promise.race([holding, doomed.exited.then(() => Promise.reject(new Error('worker exited early')))]);
    doomed.process.kill('SIGKILL');
    await doomed.exited;

    let maxPending = 0;
    const rescuer = startChild('queue-worker-process.ts', base);
    closers.push(async () => {
      rescuer.process.kill('SIGTERM');
      await rescuer.exited;
    });
    await rescuer.waitFor((e) => e.event === 'ready', 30_000);
    await eventually(
      'all tuples written by the second worker',
      async () => {
        maxPending = Math.max(maxPending, (await fga.status()).pending.total);
        return landed(all);
      },
      20_000,
      100,
    );
    await eventually('buffer drained', () => settled(fga));
    const [job] = await eventually('the job completed', () => jobsIn(queue, 'completed'));
    expect(job.stalledCounter).toBeGreaterThanOrEqual(1);
    expect(job.returnvalue).toMatchObject({ outcome: 'settled', writes: 6 });
    expect(maxPending).toBe(0); // the batch never went back to the buffer: the job itself was recovered
    expect(await fga.getDeadLetters()).toEqual([]);
  });

  it('leaves a batch alone when its lease expired before the job ran: claim returned it, the stale job ends as gone', async () => {
    const options = queueOptions();
    const { fga, core } = await startApp({ ...options, queue: { ...options.queue, worker: false } });
    const all = tuples(2);
    await fga.grantMany(all);
    expect(await fga.flush()).toMatchObject({ jobs: 1 });
    const queue = inspectQueue(options);
    const [waiting] = await queue.getWaiting();
    // Time passes: the lease runs out with nobody working the job.
    await core.buffer.extendLease(waiting.data.batchId, -60_000);

    const inline = openService({ ...options, queue: { enabled: false } });
    closers.push(() => inline.close());
    expect(await inline.service.flush()).toMatchObject({ writes: 2, failed: 0 }); // claim took the expired batch back
    expect(await landed(all)).toBe(true);

    const worker = await startApp(options);
    expect(worker.core.queue?.workerRunning).toBe(true);
    const [job] = await eventually('the stale job finished', () => jobsIn(queue, 'completed'));
    expect(job.returnvalue).toEqual({ outcome: 'gone', writes: 0, deletes: 0, deadLettered: 0 });
    expect(await fga.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0, deadLettered: 0 });
  });

  it('ignores the settle of a job whose lease was taken over while it wrote (settle returns -1), without retrying it', async () => {
    const proxy = later(await startSwitchableProxy(serverEnv().apiUrl, 'hold'));
    const options = queueOptions({ apiUrl: proxy.url }, { timeout: 3 });
    const { fga, core } = await startApp(options);
    const all = tuples(2);
    await fga.grantMany(all);
    const writing = new Promise<void>((resolve) => proxy.onConnection(() => resolve()));
    await fga.flush();
    await writing;
    const queue = inspectQueue(options);
    const [active] = await queue.getActive();

    // Another process takes the batch over: its lease expires (the worker's heartbeat may renew it in between, so try a few times).
    let takenOver;
    for (let i = 0; i < 5 && !takenOver; i++) {
      await core.buffer.extendLease(active.data.batchId, -60_000);
      takenOver = await core.buffer.claim(10, 300);
    }
    expect(takenOver?.operations).toHaveLength(2);
    proxy.mode = 'forward';

    const [job] = await eventually('the overtaken job finished', () => jobsIn(queue, 'completed'));
    expect(job.attemptsMade).toBe(1);
    expect(job.returnvalue).toEqual({ outcome: 'gone', writes: 0, deletes: 0, deadLettered: 0 });
    expect(await fga.getDeadLetters()).toEqual([]);

    // The batch taken over is never settled: its short lease expires and the next flush writes it.
    await new Promise((r) => setTimeout(r, 350 + core.buffer.graceMs));
    expect(await fga.flush()).toMatchObject({ queued: 2, jobs: 1 });
    await eventually('tuples written', () => landed(all));
    await eventually('buffer drained', () => settled(fga));
  });

  it('enqueues from the size trigger and from the shutdown flush; a separate worker-only app writes them', async () => {
    const options = queueOptions({ batchSize: 2, autoFlush: true, flushInterval: 60, flushOnShutdown: true });
    const producer = await startApp({ ...options, queue: { ...options.queue, worker: false } });
    const queue = inspectQueue(options);
    const first = tuples(2);
    await producer.fga.grantMany(first); // reaches batchSize: the size trigger enqueues
    await eventually('a job from the size trigger', async () => (await queue.getJobCounts('waiting')).waiting === 1);
    await producer.fga.grant('user:late', 'viewer', 'document:late');
    await producer.close(); // the shutdown flush enqueues the rest
    expect(await queue.getJobCounts('waiting')).toMatchObject({ waiting: 2 });

    const worker = await startApp({ ...options, autoFlush: false, flushOnShutdown: false });
    const all = [...first, { user: 'user:late', relation: 'viewer', object: 'document:late' }];
    await eventually('all tuples written by the worker app', () => landed(all));
    await eventually('buffer drained', () => settled(worker.fga));
  });

  it('runs on a client the app passes in (a Cluster client on a cluster) and leaves it open', async () => {
    const nodes = serverEnv().clusterNodes;
    const client = nodes ? new Cluster(nodes) : new Redis(serverEnv().redisUrl);
    closers.push(async () => client.disconnect());
    const { fga, close } = await startApp(queueOptions({ redis: client, batchSize: 2 }));
    const all = tuples(3);
    await fga.grantMany(all);

    expect(await fga.flush()).toMatchObject({ queued: 3, jobs: 2 });

    await eventually('all tuples written', () => landed(all));
    await eventually('buffer drained', () => settled(fga));
    await close();
    expect(await client.ping()).toBe('PONG');
  });

  it('keeps the queues of two stores apart even under the same queue name', async () => {
    const other = await freshStore('queue-other');
    const a = queueOptions();
    const b = { ...testOptions(other), queue: a.queue };
    const appA = await startApp(a);
    const appB = await startApp(b);
    await appA.fga.grant('user:a', 'viewer', 'document:a');
    await appB.fga.grant('user:b', 'viewer', 'document:b');
    await Promise.all([appA.fga.flush(), appB.fga.flush()]);
    await eventually('store A written', () => landed([{ user: 'user:a', relation: 'viewer', object: 'document:a' }]));
    await eventually(
      'store B written',
      async () => (await readAllTuples(other.storeId)).map(tupleId).join() === 'user:b viewer document:b',
    );
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual(['user:a viewer document:a']);
  });
});
