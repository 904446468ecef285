/**
 * The `cron` flush trigger on the real servers: registered in
 * @nestjs/schedule's SchedulerRegistry at bootstrap, flushing on its
 * schedule (inline or through the queue), removed at shutdown.
 */
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test, TestingModule } from '@nestjs/testing';
import { InvalidOptionsError, OpenFgaModule, OpenFgaModuleOptions, OpenFgaService } from '../../src';
import type { OpenFgaCore } from '../../src/core/openfga-core';
import { OPENFGA_CORE } from '../../src/openfga.constants';
import { getFlushCronJobName } from '../../src/flush/flush-cron-job-name';
import { MissingPeerDependencyError, OpenFgaError } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { eventually } from '../support/state/flush-queue-state';
import type { TestStore } from '../support/harness/store';

const EVERY_SECOND = '* * * * * *';

/** Nest's close() rethrows a failed init without running the shutdown hooks: close the core's connections directly. */
const closeAfterFailedInit = (moduleRef: TestingModule) => moduleRef.get<OpenFgaCore>(OPENFGA_CORE).close();

describe('cron flush trigger', () => {
  let store: TestStore;
  let app: TestingModule | undefined;
  beforeEach(async () => {
    store = await freshStore('cron');
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(imports: Parameters<typeof Test.createTestingModule>[0]['imports']): Promise<TestingModule> {
    app = await Test.createTestingModule({ imports }).compile();
    await app.init();
    return app;
  }

  const written = async (id: string) => (await readAllTuples(store.storeId)).map(tupleId).includes(id);

  it('registers a cron job that flushes, and removes it from the SchedulerRegistry on shutdown', async () => {
    // autoFlush is off (testOptions): only the cron can write the grant.
    const options = testOptions(store, { cron: EVERY_SECOND });
    const moduleRef = await start([ScheduleModule.forRoot(), OpenFgaModule.forRoot(options)]);
    const registry = moduleRef.get(SchedulerRegistry);
    const name = getFlushCronJobName(options.prefix!, store.storeId);
    expect(registry.doesExist('cron', name)).toBe(true);
    const job = registry.getCronJob(name);
    expect(job.isActive).toBe(true);

    await moduleRef.get(OpenFgaService).grant('user:anne', 'viewer', 'document:cron');
    await eventually('the cron flush wrote the grant', () => written('user:anne viewer document:cron'), 4_000, 100);
    expect((await moduleRef.get(OpenFgaService).status()).pending.total).toBe(0);

    await moduleRef.close();
    app = undefined;
    expect(registry.doesExist('cron', name)).toBe(false);
    expect(job.isActive).toBe(false);
  });

  it('enqueues flush jobs from the cron in queue mode; the worker writes them', async () => {
    const options = testOptions(store, {
      cron: EVERY_SECOND,
      leaseTtl: 2,
      requestTimeout: 1,
      queue: { enabled: true, backoff: 0.2, timeout: 1 },
    });
    const moduleRef = await start([ScheduleModule.forRoot(), OpenFgaModule.forRoot(options)]);
    const fga = moduleRef.get(OpenFgaService);
    await fga.grant('user:bob', 'viewer', 'document:queued');
    await eventually('the cron-enqueued job wrote the grant', () => written('user:bob viewer document:queued'), 4_000, 100);
    await eventually('buffer drained', async () => (await fga.status()).inFlight === 0);
    expect(await fga.status()).toMatchObject({ lastFlush: expect.objectContaining({ outcome: 'settled', writes: 1 }) });
  });

  it('works with forRootAsync', async () => {
    const options: OpenFgaModuleOptions = testOptions(store, { cron: EVERY_SECOND });
    const moduleRef = await start([ScheduleModule.forRoot(), OpenFgaModule.forRootAsync({ useFactory: async () => options })]);
    expect(moduleRef.get(SchedulerRegistry).doesExist('cron', getFlushCronJobName(options.prefix!, store.storeId))).toBe(true);
    await moduleRef.get(OpenFgaService).grant('user:cid', 'viewer', 'document:async');
    await eventually('the cron flush wrote the grant', () => written('user:cid viewer document:async'), 4_000, 100);
  });

  it('registers nothing without the cron option', async () => {
    const moduleRef = await start([ScheduleModule.forRoot(), OpenFgaModule.forRoot(testOptions(store))]);
    expect([...moduleRef.get(SchedulerRegistry).getCronJobs().keys()]).toEqual([]);
  });

  it('fails at start-up, saying what to do, when ScheduleModule.forRoot() is not imported', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaModule.forRoot(testOptions(store, { cron: EVERY_SECOND }))],
    }).compile();
    const failure = await moduleRef.init().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(MissingPeerDependencyError);
    expect(failure).toBeInstanceOf(OpenFgaError);
    expect(failure).toMatchObject({ dependency: '@nestjs/schedule' });
    expect(String(failure)).toMatch(/ScheduleModule\.forRoot\(\)/);
    await closeAfterFailedInit(moduleRef);
  });

  it('rejects an invalid cron expression at start-up', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ScheduleModule.forRoot(), OpenFgaModule.forRoot(testOptions(store, { cron: '99 * * * * *' }))],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(InvalidOptionsError);
    await closeAfterFailedInit(moduleRef);
  });
});
