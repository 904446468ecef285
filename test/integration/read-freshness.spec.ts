/**
 * The read path never answers (or caches) from OpenFGA state older than an
 * acknowledged write, on the real servers: single flight, populate after a
 * settled revoke, OpenFGA's own check cache, a rejected contextual tuple,
 * forged consistency tokens and a check waiting behind a long flush.
 */
import { OpenFgaClient } from '@openfga/sdk';
import { join } from 'node:path';
import { CheckUnavailableError } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT, RunningOpenFga, startOpenFga } from '../support/harness/servers';
import { openService, OpenService, scoped } from '../support/harness/service';
import { createStore, TestStore } from '../support/harness/store';
import { startSwitchableProxy, SwitchableProxy } from '../support/faults/switchable-proxy';

const bob = { user: 'user:bob', relation: 'viewer', object: 'document:1' };

describe('read freshness', () => {
  const open: OpenService[] = [];
  const proxies: SwitchableProxy[] = [];
  const track = (s: OpenService) => (open.push(s), s);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });
  const sdk = (store: TestStore, apiUrl = serverEnv().apiUrl) => new OpenFgaClient({ apiUrl, storeId: store.storeId });
  const proxy = async () => {
    const p = await startSwitchableProxy(serverEnv().apiUrl);
    proxies.push(p);
    return p;
  };

  it('single flight never hands a check an OpenFGA answer sent before its own snapshot', async () => {
    const store = await freshStore('single-flight');
    await sdk(store).writeTuples([bob]);
    const slow = await proxy();
    const options = testOptions(store);
    // `reader` reaches OpenFGA through a proxy that holds answers back; `flusher` writes directly.
    const reader = track(openService({ ...options, apiUrl: slow.url }));
    const flusher = track(openService(options));
    await flusher.service.revoke(bob.user, bob.relation, bob.object);

    slow.responseDelayMs = 1500;
    // A misses with the revoke outstanding; OpenFGA evaluates its call now (still "allowed").
    const a = reader.service.check(bob.user, bob.relation, bob.object);
    await new Promise((r) => setTimeout(r, 300));
    expect((await flusher.service.flush()).deletes).toBe(1); // the revoke is written and settled
    // B's snapshot sees no revoke outstanding: it must not join A's older call.
    const b = reader.service.check(bob.user, bob.relation, bob.object);
    const [allowedA, allowedB] = await Promise.all([a, b]);
    slow.responseDelayMs = 0;

    expect(allowedB).toBe(false);
    expect(allowedA).toBe(false); // A asked again once the revoke was written
    expect(await reader.service.check(bob.user, bob.relation, bob.object)).toBe(false); // nothing stale was cached
    expect((await sdk(store).check(bob)).allowed).toBe(false);
  });

  it('an "allowed" computed while a revoke was outstanding is not cached once the revoke is settled', async () => {
    const store = await freshStore('populate-settled');
    await sdk(store).writeTuples([bob]);
    const s = track(openService(testOptions(store)));
    const { cache } = s.core;
    await s.ready();
    await s.service.revoke(bob.user, bob.relation, bob.object);
    const found = await s.core.read.lookup(...scoped(s, bob));
    if (found.source !== 'miss') throw new Error('expected a miss');
    expect(found.snapshot.ops).toEqual([expect.objectContaining({ kind: 'revoke', key: `${bob.user} ${bob.relation} ${bob.object}` })]);
    // The check that took this snapshot gets "allowed" from OpenFGA (the revoke is not written yet): it must
    // write the revoke and ask again, and cache nothing computed from this snapshot.
    const populate = jest.spyOn(cache, 'populate');
    expect(await s.service.check(bob.user, bob.relation, bob.object)).toBe(false);
    for (const [, , , snapshot] of populate.mock.calls) expect(snapshot.ops).toEqual([]);
    populate.mockRestore();
    await s.service.flush();
    expect(await s.service.check(bob.user, bob.relation, bob.object)).toBe(false);
  });

  describe('OpenFGA with its check query cache on', () => {
    let cachedFga: RunningOpenFga;
    beforeAll(async () => {
      cachedFga = await startOpenFga({ args: ['--check-query-cache-enabled', '--check-query-cache-ttl', '60s'] });
    });
    afterAll(() => cachedFga.stop());

    it('a check after a settled revoke asks with higher consistency, so OpenFGA\'s cached "allowed" is not served or cached', async () => {
      const store = await createStore(cachedFga.apiUrl, `check-cache-${Date.now()}`);
      const direct = sdk(store, cachedFga.apiUrl);
      await direct.writeTuples([bob]);
      const s = track(openService({ ...testOptions(store), apiUrl: cachedFga.apiUrl }));
      expect(await s.service.check(bob.user, bob.relation, bob.object)).toBe(true); // OpenFGA caches "allowed" too

      await s.service.revoke(bob.user, bob.relation, bob.object);
      await s.service.flush();
      // OpenFGA itself still answers from its check cache...
      expect((await direct.check(bob, { authorizationModelId: store.modelId })).allowed).toBe(true);
      // ...but the module, within revokeConsistencyWindow of the revoke, does not take that answer.
      expect(await s.service.check(bob.user, bob.relation, bob.object)).toBe(false);
      expect(await s.service.check(bob.user, bob.relation, bob.object)).toBe(false);
    });
  });

  it('a pending grant OpenFGA rejects does not make the check forget the other pending grants', async () => {
    const store = await createStore(serverEnv().apiUrl, `exclusion-${Date.now()}`, join(PROJECT_ROOT, 'test', 'fixtures', 'exclusion.fga'));
    await sdk(store).writeTuples([{ user: 'user:*', relation: 'viewer', object: 'document:1' }]);
    const options = testOptions(store, { checkTimeout: 1 });
    const s = track(openService(options));
    const other = track(openService(options));
    expect(await s.service.check(bob.user, 'viewer', 'document:1')).toBe(true);
    // bob is blocked; another process holds that grant in flight (claimed, not written yet).
    await s.service.grant(bob.user, 'blocked', 'document:1');
    expect(await other.core.buffer.claim(10, 30_000)).toBeDefined();
    // A grant OpenFGA rejects (a user type `viewer` does not accept), part of the same answer, is pending too. The
    // service refuses it in the call; buffered directly, it stands for a grant checked against an older model.
    await s.core.buffer.enqueue([{ kind: 'grant', user: 'document:x', relation: 'viewer', object: 'document:1' }], store.modelId);
    // The rejected grant is dead-lettered; the check must still weigh "blocked" (deny, or fail closed), never allow.
    await expect(s.service.check(bob.user, 'viewer', 'document:1')).rejects.toBeInstanceOf(CheckUnavailableError);
    expect((await s.service.getDeadLetters()).map((d) => d.operation.user)).toEqual(['document:x']);
  });

  it('with nobody holding them, the check asks again with the pending grants left after the rejected one', async () => {
    const store = await createStore(serverEnv().apiUrl, `exclusion-${Date.now()}`, join(PROJECT_ROOT, 'test', 'fixtures', 'exclusion.fga'));
    await sdk(store).writeTuples([{ user: 'user:*', relation: 'viewer', object: 'document:1' }]);
    const s = track(openService(testOptions(store)));
    await s.core.buffer.enqueue([{ kind: 'grant', user: 'document:x', relation: 'viewer', object: 'document:1' }], store.modelId);
    await s.service.grant(bob.user, 'blocked', 'document:1');
    expect(await s.service.check(bob.user, 'viewer', 'document:1')).toBe(false);
    expect(await s.service.check('user:anne', 'viewer', 'document:1')).toBe(true);
  });

  it('a pending revoke of a `but not` exclusion is written before a "denied" is trusted, and nothing else is', async () => {
    const store = await createStore(serverEnv().apiUrl, `exclusion-${Date.now()}`, join(PROJECT_ROOT, 'test', 'fixtures', 'exclusion.fga'));
    await sdk(store).writeTuples([
      { user: 'user:*', relation: 'viewer', object: 'document:1' },
      { user: bob.user, relation: 'blocked', object: 'document:1' },
    ]);
    const s = track(openService(testOptions(store)));
    expect(await s.service.check(bob.user, 'viewer', 'document:1')).toBe(false); // cached "denied"
    await s.service.grant('user:carl', 'blocked', 'document:2'); // another document: not part of the answer
    await s.service.revoke(bob.user, 'blocked', 'document:1');
    // A revoke cannot be sent with the check, and on the subtracted side of `but not` it gives access:
    // OpenFGA's "denied" is not trusted until the revoke is written (only it).
    expect(await s.service.check(bob.user, 'viewer', 'document:1')).toBe(true);
    expect((await s.service.getPendingOperations()).map((o) => o.key)).toEqual(['user:carl blocked document:2']);
    await s.service.flush();
    expect(await s.service.check(bob.user, 'viewer', 'document:1')).toBe(true);
  });

  it('a consistency token from beyond the latest position waits only for the writes made before the check', async () => {
    const store = await freshStore('future-token');
    const s = track(openService(testOptions(store, { checkTimeout: 2 })));
    const token = await s.service.grant(bob.user, bob.relation, bob.object);
    const forged = s.core.tokens.encode(s.core.tokens.decode(token) + 1_000_000);
    // A steady stream of writes keeps something outstanding at every position read.
    let writing = true;
    const writes = (async () => {
      for (let i = 0; writing && i < 20_000; i++) await s.service.grant(`user:w${i}`, 'viewer', `document:w${i}`);
    })();
    try {
      expect(await s.service.check(bob.user, bob.relation, bob.object, { consistency: 'at-least-as-fresh', token: forged })).toBe(true);
    } finally {
      writing = false;
      await writes;
    }
  });

  it('a fresh check polls its position instead of waiting for a long flush already running in the process', async () => {
    const store = await freshStore('flush-wait');
    const slow = await proxy();
    const s = track(openService({ ...testOptions(store, { checkTimeout: 2, maxParallelRequests: 1 }), apiUrl: slow.url }));
    const token = await s.service.grant(bob.user, bob.relation, bob.object);
    await s.service.grantMany(
      Array.from({ length: 4000 }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: `document:d${i}` })),
    );
    slow.delayMs = 150; // each Write takes at least 150 ms: the whole backlog takes 6 s or more
    const draining = s.service.flush();
    try {
      await new Promise((r) => setTimeout(r, 50));
      // bob's grant is in the first batch: the check needs that batch, not the whole drain.
      expect(await s.service.check(bob.user, bob.relation, bob.object, { consistency: 'at-least-as-fresh', token })).toBe(true);
    } finally {
      slow.delayMs = 0;
      await draining;
    }
  });
});
