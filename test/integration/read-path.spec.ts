/**
 * docs/design.md §2 invariants 5 (read your own writes) and 6 (fail closed), and the
 * cache rules on the real servers.
 */
import { OpenFgaClient } from '@openfga/sdk';
import { CheckUnavailableError } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { startRedis, freePort } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';

describe('read path', () => {
  let store: TestStore;
  let a: OpenService;
  let b: OpenService;
  beforeEach(async () => {
    store = await freshStore('read-path');
    const options = testOptions(store);
    a = openService(options);
    b = openService({ ...options }); // a second "process" sharing the same Redis and prefix
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });
  const sdk = () => new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });

  describe('5. read your own writes', () => {
    it('a grant in one process is seen by the check of another before any flush', async () => {
      expect(await b.service.check('user:a', 'viewer', 'document:1')).toBe(false); // cached "denied"
      await a.service.grant('user:a', 'viewer', 'document:1');
      expect(await b.service.check('user:a', 'viewer', 'document:1')).toBe(true);
      await a.service.revoke('user:a', 'viewer', 'document:1');
      expect(await b.service.check('user:a', 'viewer', 'document:1')).toBe(false);
    });

    it('a write invalidates cached answers on the same object and the same user, and only those', async () => {
      await sdk().writeTuples([
        { user: 'user:a', relation: 'owner', object: 'document:1' },
        { user: 'user:c', relation: 'viewer', object: 'document:3' },
      ]);
      // Warm the cache: derived answers from OpenFGA.
      expect(await a.service.check('user:a', 'viewer', 'document:1')).toBe(true);
      expect(await a.service.check('user:c', 'viewer', 'document:3')).toBe(true);
      // Change OpenFGA behind the module's back: the cache keeps serving the old answer for unrelated tuples...
      await sdk().deleteTuples([{ user: 'user:c', relation: 'viewer', object: 'document:3' }]);
      expect(await a.service.check('user:c', 'viewer', 'document:3')).toBe(true); // cached (external write; change feed is separate)
      // ...but a write through the module on the same object invalidates the derived answer.
      await a.service.revoke('user:a', 'owner', 'document:1');
      expect(await b.service.check('user:a', 'viewer', 'document:1')).toBe(false);
    });

    it('a pending revoke is never hidden behind an OpenFGA "allowed" on a derived relation', async () => {
      await sdk().writeTuples([
        { user: 'user:a', relation: 'member', object: 'group:eng' },
        { user: 'group:eng#member', relation: 'editor', object: 'folder:f' },
        { user: 'folder:f', relation: 'parent', object: 'document:1' },
      ]);
      expect(await a.service.check('user:a', 'viewer', 'document:1')).toBe(true);
      // Revoking the group membership touches neither user:a's check object nor its relation.
      await a.service.revoke('user:a', 'member', 'group:eng');
      expect(await b.service.check('user:a', 'viewer', 'document:1')).toBe(false);
      expect(await a.service.check('user:a', 'viewer', 'document:1')).toBe(false);
    });

    it('caches OpenFGA answers (allowed and denied) and serves them without asking again', async () => {
      await sdk().writeTuples([{ user: 'user:a', relation: 'viewer', object: 'document:1' }]);
      expect(await a.service.check('user:a', 'viewer', 'document:1')).toBe(true);
      expect(await a.service.check('user:b', 'viewer', 'document:1')).toBe(false);
      await sdk().deleteTuples([{ user: 'user:a', relation: 'viewer', object: 'document:1' }]);
      await sdk().writeTuples([{ user: 'user:b', relation: 'viewer', object: 'document:1' }]);
      // Both answers come from the cache now (OpenFGA would say the opposite).
      expect(await b.service.check('user:a', 'viewer', 'document:1')).toBe(true);
      expect(await b.service.check('user:b', 'viewer', 'document:1')).toBe(false);
    });

    it('with cache: false every miss asks OpenFGA', async () => {
      const uncached = openService(testOptions(store, { cache: false }));
      try {
        await sdk().writeTuples([{ user: 'user:a', relation: 'viewer', object: 'document:1' }]);
        expect(await uncached.service.check('user:a', 'viewer', 'document:1')).toBe(true);
        await sdk().deleteTuples([{ user: 'user:a', relation: 'viewer', object: 'document:1' }]);
        expect(await uncached.service.check('user:a', 'viewer', 'document:1')).toBe(false);
      } finally {
        await uncached.close();
      }
    });
  });

  describe('6. fail closed', () => {
    it('throws CheckUnavailableError (never true) when OpenFGA is down and nothing is cached', async () => {
      const down = openService(testOptions(store, { apiUrl: `http://127.0.0.1:${await freePort()}`, requestTimeout: 1, checkTimeout: 2 }));
      try {
        await expect(down.service.check('user:a', 'viewer', 'document:1')).rejects.toBeInstanceOf(CheckUnavailableError);
      } finally {
        await down.close();
      }
    });

    it('throws CheckUnavailableError when Redis is down', async () => {
      const redis = await startRedis();
      const svc = openService(
        testOptions(store, { redis: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1 }, checkTimeout: 1 }),
      );
      try {
        await svc.service.grant('user:a', 'viewer', 'document:1');
        expect(await svc.service.check('user:a', 'viewer', 'document:1')).toBe(true);
        await redis.stop();
        await expect(svc.service.check('user:a', 'viewer', 'document:1')).rejects.toBeInstanceOf(CheckUnavailableError);
      } finally {
        svc.core.redis.disconnect();
        await redis.stop();
      }
    });

    it('never answers allowed while a revoke is still on its way to OpenFGA: it errors until the revoke lands', async () => {
      await sdk().writeTuples([{ user: 'user:a', relation: 'owner', object: 'document:1' }]);
      await a.service.revoke('user:a', 'owner', 'document:1');
      const inFlight = await a.core.buffer.claim(10, 60_000); // another process is writing it, slowly
      const impatient = openService({ ...testOptions(store, { checkTimeout: 0.5 }), prefix: a.core.options.prefix });
      try {
        // OpenFGA itself still says allowed (viewer derives from owner); the module must not.
        await expect(impatient.service.check('user:a', 'viewer', 'document:1')).rejects.toBeInstanceOf(CheckUnavailableError);
        await a.core.writer.write(inFlight!.operations);
        await a.core.buffer.settle(inFlight!.id, { acked: inFlight!.operations.map((o) => o.key), dead: [], retryAt: 0 });
        expect(await impatient.service.check('user:a', 'viewer', 'document:1')).toBe(false);
      } finally {
        await impatient.close();
      }
    });
  });
});

describe('single flight', () => {
  it('a burst of identical misses causes one OpenFGA check; a write in between is never answered from the older call', async () => {
    const store = await freshStore('single-flight');
    const open = openService(testOptions(store));
    try {
      const calls = jest.spyOn(open.core.client, 'check'); // counts calls; the real server answers them
      const answers = await Promise.all(Array.from({ length: 20 }, () => open.service.check('user:a', 'viewer', 'document:1')));
      expect(answers).toEqual(Array(20).fill(false));
      expect(calls).toHaveBeenCalledTimes(1);
      await open.service.grant('user:a', 'owner', 'document:1');
      expect(await open.service.check('user:a', 'viewer', 'document:1')).toBe(true);
    } finally {
      await open.close();
    }
  });
});
