/**
 * Module options as a NestJS user writes them, on the real servers: an `apiUrl` with a trailing slash
 * (as env files often have it) reaches OpenFGA, where it used to make every request a 404 (grants
 * acknowledged, then never flushed; checks failing closed). Malformed Cluster nodes fail start-up at
 * once, where the app used to start (after 5 s) without ever reaching Redis.
 */
import { Test } from '@nestjs/testing';
import { InvalidOptionsError, OpenFgaModule, OpenFgaService } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { readAllTuples } from '../support/state/fga-state';

jest.setTimeout(60_000);

describe('module options on the real servers', () => {
  it('apiUrl with a trailing slash: the model is read, grants reach OpenFGA, checks are answered', async () => {
    const store = await freshStore('api-url');
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaModule.forRoot(testOptions(store, { apiUrl: `${serverEnv().apiUrl}//` }))],
    }).compile();
    await moduleRef.init();
    try {
      const fga = moduleRef.get(OpenFgaService);
      await fga.grant('user:anne', 'viewer', 'document:1');
      expect(await fga.flush()).toMatchObject({ writes: 1, failed: 0 });
      expect(await readAllTuples(store.storeId)).toHaveLength(1);
      expect(await fga.check('user:bob', 'viewer', 'document:1')).toBe(false);
      expect((await fga.status()).model).toMatchObject({ modelId: store.modelId, writesChecked: true });
    } finally {
      await moduleRef.close();
    }
  });

  it('fractional durations (ttl 16.1 s: 16100.000000000002 ms in floating point) are whole milliseconds: checks are answered and cached', async () => {
    const store = await freshStore('fractional');
    const options = testOptions(store, { ttl: 16.1, negativeTtl: 32.2, checkTimeout: 4.1, revokeConsistencyWindow: 1.1 });
    const moduleRef = await Test.createTestingModule({ imports: [OpenFgaModule.forRoot(options)] }).compile();
    await moduleRef.init();
    try {
      const fga = moduleRef.get(OpenFgaService);
      await fga.grant('user:anne', 'viewer', 'document:1');
      // Before: Redis refused the non-integer expiry of the cached answer and every check failed closed.
      expect(await fga.check('user:anne', 'viewer', 'document:1')).toBe(true);
      expect(await fga.check('user:bob', 'viewer', 'document:1')).toBe(false);
      const seen: string[] = [];
      fga.events.on('request', ({ api }) => seen.push(api));
      expect(await fga.check('user:anne', 'viewer', 'document:1')).toBe(true);
      expect(await fga.check('user:bob', 'viewer', 'document:1')).toBe(false);
      expect(seen).toEqual([]); // both answered from the cache
    } finally {
      await moduleRef.close();
    }
  });

  it.each([[{ cluster: [] }], [{ cluster: [{ host: '127.0.0.1' }] }], [[]]])(
    'redis %j fails start-up at once, naming it',
    async (redis) => {
      const store = await freshStore('redis-shape');
      const started = Date.now();
      const err = await Test.createTestingModule({ imports: [OpenFgaModule.forRoot(testOptions(store, { redis: redis as never }))] })
        .compile()
        .then(async (moduleRef) => {
          await moduleRef.init();
          await moduleRef.close();
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(InvalidOptionsError);
      expect((err as InvalidOptionsError).option).toMatch(/^redis(\.cluster)?$/);
      // Before: start-up went on for about 5 s and the app never reached Redis.
      expect(Date.now() - started).toBeLessThan(4000);
    },
  );
});
