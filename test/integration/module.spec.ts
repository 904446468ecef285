/**
 * OpenFgaModule wiring on the real servers: forRoot / forRootAsync, options
 * validated at start-up, the size / age / shutdown flush triggers, and
 * write-through mode (enabled: false).
 */
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InvalidOptionsError, OpenFgaModule, OpenFgaModuleOptions, OpenFgaService } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import type { TestStore } from '../support/harness/store';

async function boot(options: OpenFgaModuleOptions) {
  const moduleRef = await Test.createTestingModule({ imports: [OpenFgaModule.forRoot(options)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return { app, fga: app.get(OpenFgaService) };
}

async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('OpenFgaModule', () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await freshStore('module');
  });

  it('forRootAsync takes options from a factory with injected dependencies', async () => {
    @Injectable()
    class Config {
      readonly openfga = testOptions(store);
    }
    @Module({ providers: [Config], exports: [Config] })
    class ConfigModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaModule.forRootAsync({ imports: [ConfigModule], inject: [Config], useFactory: (c: Config) => c.openfga })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const fga = app.get(OpenFgaService);
    await fga.grant('user:a', 'viewer', 'document:1');
    expect(await fga.check('user:a', 'viewer', 'document:1')).toBe(true);
    await app.close();
  });

  it('fails at start-up with an error naming a malformed or unknown option', async () => {
    await expect(boot({ ...testOptions(store), batchSize: 0 })).rejects.toThrow(new InvalidOptionsError('batchSize', 'an integer >= 1', 0));
    await expect(boot({ ...testOptions(store), flush_interval: 5 } as OpenFgaModuleOptions)).rejects.toThrow(
      /option "flush_interval" must be one of the known options/,
    );
    await expect(boot({ ...testOptions(store), storeId: 'store-1' })).rejects.toThrow(/"storeId" must be an OpenFGA store id/);
  });

  it('size trigger: reaching batchSize flushes outside the request path', async () => {
    const { app, fga } = await boot(testOptions(store, { autoFlush: true, batchSize: 10, flushInterval: 3600 }));
    try {
      await fga.grantMany(Array.from({ length: 9 }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: 'document:1' })));
      await new Promise((r) => setTimeout(r, 300));
      expect((await fga.status()).pending.total).toBe(9); // below the size, long interval: nothing flushed
      await fga.grant('user:u9', 'viewer', 'document:1');
      await eventually(async () => (await readAllTuples(store.storeId)).length === 10);
    } finally {
      await app.close();
    }
  });

  it('age trigger: the oldest pending operation older than flushInterval is flushed', async () => {
    const { app, fga } = await boot(testOptions(store, { autoFlush: true, batchSize: 1000, flushInterval: 0.5 }));
    try {
      await fga.grant('user:a', 'viewer', 'document:1');
      const started = Date.now();
      await eventually(async () => (await readAllTuples(store.storeId)).length === 1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      // The flush records itself once its batch is settled, a moment after OpenFGA has the tuple.
      await eventually(async () => (await fga.status()).lastFlush !== null);
      expect((await fga.status()).lastFlush).toMatchObject({ writes: 1 });
    } finally {
      await app.close();
    }
  });

  it('shutdown: pending operations are flushed when the app closes', async () => {
    const { app, fga } = await boot(testOptions(store, { autoFlush: false, flushOnShutdown: true }));
    await fga.grant('user:a', 'viewer', 'document:1');
    await fga.revoke('user:b', 'viewer', 'document:1');
    expect(await readAllTuples(store.storeId)).toEqual([]);
    await app.close();
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual(['user:a viewer document:1']);
  });

  it('shutdown with flushOnShutdown: false leaves operations in Redis for the next process', async () => {
    const options = testOptions(store, { flushOnShutdown: false });
    const first = await boot(options);
    await first.fga.grant('user:a', 'viewer', 'document:1');
    await first.app.close();
    expect(await readAllTuples(store.storeId)).toEqual([]);
    const second = await boot(options);
    expect((await second.fga.status()).pending.total).toBe(1);
    expect(await second.fga.flush()).toMatchObject({ writes: 1 });
    await second.app.close();
  });

  it('starts the change feed at bootstrap: a direct SDK write reaches the cache, status() reports the lag', async () => {
    const { app, fga } = await boot(testOptions(store, { changeFeed: { interval: 0.2 } }));
    try {
      expect(await fga.check('user:a', 'viewer', 'document:1')).toBe(false); // cached denial
      const { OpenFgaClient } = await import('@openfga/sdk');
      const { serverEnv } = await import('../support/harness/env');
      await new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId }).writeTuples([
        { user: 'user:a', relation: 'viewer', object: 'document:1' },
      ]);
      await eventually(() => fga.check('user:a', 'viewer', 'document:1'), 5000);
      expect((await fga.status()).changeFeed).toMatchObject({ polling: true, lagMs: expect.any(Number) });
    } finally {
      await app.close();
    }
    expect(await app.close().then(() => 'closed twice')).toBe('closed twice'); // idempotent shutdown
  });

  it('enabled: false writes straight through to OpenFGA and still invalidates the cache', async () => {
    const { app, fga } = await boot(testOptions(store, { enabled: false }));
    try {
      expect(await fga.check('user:a', 'viewer', 'document:1')).toBe(false); // cached denial
      const token = await fga.grant('user:a', 'viewer', 'document:1');
      expect(token).toMatch(/^v1\./);
      expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual(['user:a viewer document:1']);
      expect((await fga.status()).pending.total).toBe(0);
      expect(await fga.check('user:a', 'viewer', 'document:1')).toBe(true);
      await fga.revoke('user:a', 'viewer', 'document:1');
      expect(await readAllTuples(store.storeId)).toEqual([]);
      expect(await fga.check('user:a', 'viewer', 'document:1')).toBe(false);
    } finally {
      await app.close();
    }
  });
});
