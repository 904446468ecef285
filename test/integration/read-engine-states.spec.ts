/**
 * The five states in which the read side answered "allowed" (or "denied")
 * against an acknowledged write before it had one read engine (issue 21),
 * each reproduced on the real servers: a revoke met after a write-first step,
 * a conditional re-grant narrowing a stored grant, a process without the
 * model reading another's cached answer, a `but not` block revoked on the
 * store-wide path, and a pending revoke of a conditional tuple OpenFGA cannot
 * evaluate. Each read is compared with OpenFGA once the buffer is flushed.
 */
import { OpenFgaClient } from '@openfga/sdk';
import { join } from 'node:path';
import type { OpenFgaModuleOptions } from '../../src';
import { startSwitchableProxy, SwitchableProxy } from '../support/faults/switchable-proxy';
import { serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { openService, OpenService, scoped } from '../support/harness/service';
import { createStore, TestStore } from '../support/harness/store';

const fixture = (name: string) => join(PROJECT_ROOT, 'test', 'fixtures', name);
const EXPIRED = { name: 'non_expired_grant', context: { grant_time: '2020-01-01T00:00:00Z', grant_duration: '1s' } };
const NOW = () => ({ current_time: new Date().toISOString() });

describe('read engine: no stale answer in the states the scenario tests did not reach', () => {
  const opened: OpenService[] = [];
  const proxies: SwitchableProxy[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });
  const open = async (options: OpenFgaModuleOptions) => {
    const s = openService(options);
    opened.push(s);
    await s.ready();
    return s;
  };
  const store = (name: string, model = 'model.fga') => createStore(serverEnv().apiUrl, `${name}-${Date.now()}`, fixture(model));
  const sdk = (s: TestStore) => new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: s.storeId, authorizationModelId: s.modelId });

  describe('1. a revoke found after a write-first step is awaited', () => {
    const anne = { user: 'user:anne', relation: 'viewer', object: 'document:1' };
    const setUp = async () => {
      const st = await store('write-first-revoke');
      const s = await open(testOptions(st));
      await s.service.grant(anne.user, anne.relation, anne.object);
      await s.service.flush();
      // 300 pending parent links, relevant to document#viewer through the parent chain: more than one snapshot lists.
      const before = await s.service.grantMany(
        Array.from({ length: 300 }, (_, i) => ({ user: 'folder:root', relation: 'parent', object: `folder:f${i}` })),
      );
      await s.service.revoke(anne.user, anne.relation, anne.object);
      return { st, s, before };
    };

    it('check', async () => {
      const { st, s } = await setUp();
      expect(await s.service.check(anne.user, anne.relation, anne.object)).toBe(false);
      expect((await sdk(st).check(anne)).allowed).toBe(false); // the revoke reached OpenFGA first
    });

    it('check with an at-least-as-fresh token older than the revoke', async () => {
      const { s, before } = await setUp();
      expect(await s.service.check(anne.user, anne.relation, anne.object, { consistency: 'at-least-as-fresh', token: before })).toBe(false);
    });

    it('batchCheck', async () => {
      const { s } = await setUp();
      const [answer] = await s.service.batchCheck([anne]);
      expect(answer).toMatchObject({ allowed: false });
      expect(answer.error).toBeUndefined();
    });

    it('from another process, with small read limits (three ops reach the write-first path)', async () => {
      const st = await store('write-first-small');
      const options = testOptions(st, { readLimits: { contextualTuples: 1, listedOperations: 2 } });
      const writer = await open(options);
      const reader = await open({ ...options });
      await writer.service.grant(anne.user, anne.relation, anne.object);
      await writer.service.flush();
      await writer.service.grantMany([1, 2, 3].map((i) => ({ user: 'folder:root', relation: 'parent', object: `folder:f${i}` })));
      await writer.service.revoke(anne.user, anne.relation, anne.object);
      expect(await reader.service.check(anne.user, anne.relation, anne.object)).toBe(false);
      expect(await reader.service.listObjects(anne.user, 'viewer', 'document')).toEqual([]);
    });
  });

  describe('2. a re-grant that sets a condition narrows the stored grant before the flush', () => {
    const setUp = async () => {
      const st = await store('conditional-regrant', 'conditional-parent.fga');
      await sdk(st).writeTuples([
        { user: 'user:anne', relation: 'viewer', object: 'folder:f' },
        { user: 'folder:f', relation: 'parent', object: 'document:1' },
      ]);
      const s = await open(testOptions(st));
      expect(await s.service.check('user:anne', 'viewer', 'document:1', { context: NOW() })).toBe(true);
      await s.service.grant('user:anne', 'viewer', 'folder:f', { condition: EXPIRED });
      return { st, s };
    };

    it('check through the parent folder, and on the folder itself', async () => {
      const { s } = await setUp();
      expect(await s.service.check('user:anne', 'viewer', 'document:1', { context: NOW() })).toBe(false);
      expect(await s.service.check('user:anne', 'viewer', 'folder:f', { context: NOW() })).toBe(false);
    });

    it('listObjects and listUsers', async () => {
      const { s } = await setUp();
      expect(await s.service.listObjects('user:anne', 'viewer', 'document', { context: NOW() })).toEqual([]);
      expect(await s.service.listUsers('document:1', 'viewer', ['user'], { context: NOW() })).toEqual([]);
    });

    it('batchCheck', async () => {
      const { s } = await setUp();
      const answers = await s.service.batchCheck([
        { user: 'user:anne', relation: 'viewer', object: 'document:1', context: NOW() },
        { user: 'user:anne', relation: 'viewer', object: 'folder:f', context: NOW() },
      ]);
      expect(answers.map((a) => a.allowed)).toEqual([false, false]);
    });

    it('opens the higher-consistency window once it is written, as a revoke does', async () => {
      const { s } = await setUp();
      await s.service.flush();
      expect(Number(await s.core.redis.get(s.core.buffer.keys.revoked))).toBeGreaterThan(Date.now() - 60_000);
    });
  });

  it('3. a process that cannot read the model does not serve a cached "allowed" another process cached', async () => {
    const st = await store('unscoped-cache');
    await sdk(st).writeTuples([
      { user: 'user:anne', relation: 'member', object: 'group:sub' },
      { user: 'group:sub#member', relation: 'member', object: 'group:eng' },
      { user: 'group:eng#member', relation: 'viewer', object: 'document:1' },
    ]);
    const options = testOptions(st);
    const a = await open(options);
    const proxy = await startSwitchableProxy(serverEnv().apiUrl, 'refuse');
    proxies.push(proxy);
    const b = await open({ ...options, apiUrl: proxy.url, requestTimeout: 1, checkTimeout: 3 });
    expect((await b.service.status()).model).toMatchObject({ invalidation: 'store-wide' });
    proxy.mode = 'forward';
    expect(await a.service.check('user:anne', 'viewer', 'document:1')).toBe(true);
    const anne = { user: 'user:anne', relation: 'viewer', object: 'document:1' };
    expect((await a.core.read.lookup(...scoped(a, anne))).source).toBe('cache');
    // Only the relation generation of document#viewer moves (a userset user): not anne's, not document:1's.
    await a.service.revoke('group:sub#member', 'member', 'group:eng');
    expect(await b.service.check('user:anne', 'viewer', 'document:1')).toBe(false);
    expect(await a.service.check('user:anne', 'viewer', 'document:1')).toBe(false);
  });

  it('4. the store-wide path does not answer a stale "denied" after a `but not` block is revoked', async () => {
    const st = await store('unscoped-but-not', 'exclusion.fga');
    await sdk(st).writeTuples([
      { user: 'user:anne', relation: 'viewer', object: 'document:1' },
      { user: 'user:anne', relation: 'blocked', object: 'document:1' },
    ]);
    const proxy = await startSwitchableProxy(serverEnv().apiUrl, 'refuse');
    proxies.push(proxy);
    const s = await open({ ...testOptions(st), apiUrl: proxy.url, requestTimeout: 1, checkTimeout: 3 });
    expect((await s.service.status()).model).toMatchObject({ invalidation: 'store-wide' });
    proxy.mode = 'forward';
    await s.service.revoke('user:anne', 'blocked', 'document:1');
    expect(await s.service.check('user:anne', 'viewer', 'document:1')).toBe(true);
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:1']);
  });

  it('5. a pending revoke of a conditional tuple OpenFGA cannot evaluate is written first, and the check answers', async () => {
    const st = await store('conditional-revoke', 'conditional-parent.fga');
    const stored = { user: 'user:anne', relation: 'viewer', object: 'folder:f', condition: EXPIRED };
    await sdk(st).writeTuples([stored, { user: 'folder:f', relation: 'parent', object: 'document:1' }]);
    const s = await open(testOptions(st));
    // Without `current_time` OpenFGA cannot evaluate the stored tuple's condition: it refuses the check.
    await expect(sdk(st).check({ user: 'user:anne', relation: 'viewer', object: 'document:1' })).rejects.toThrow(/condition/);
    await s.service.revoke('user:anne', 'viewer', 'folder:f');
    expect(await s.service.check('user:anne', 'viewer', 'document:1')).toBe(false);
    const [item] = await s.service.batchCheck([{ user: 'user:anne', relation: 'viewer', object: 'folder:f' }]);
    expect(item).toMatchObject({ allowed: false });
    expect(item.error).toBeUndefined();
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual([]);
  });

  it("6. after an outage, a read writes the op it needs at once instead of waiting out the batch's backoff", async () => {
    const st = await store('backoff-claim');
    const proxy = await startSwitchableProxy(serverEnv().apiUrl, 'forward');
    proxies.push(proxy);
    // A long backoff: without the early return the check would fail closed at checkTimeout.
    const s = await open({
      ...testOptions(st),
      apiUrl: proxy.url,
      requestTimeout: 1,
      retryBaseDelay: 30,
      retryMaxDelay: 60,
      checkTimeout: 4,
    });
    await sdk(st).writeTuples([{ user: 'user:anne', relation: 'viewer', object: 'folder:f' }]);
    await s.service.revoke('user:anne', 'viewer', 'folder:f');
    proxy.mode = 'refuse';
    proxy.cut();
    expect((await s.service.flush()).failed).toBe(1); // the revoke's batch now waits out a 30 s backoff
    proxy.mode = 'forward';
    // OpenFGA still allows (the revoke is unwritten): the check must write it, and not wait 30 s for it.
    expect(await s.service.check('user:anne', 'viewer', 'folder:f')).toBe(false);
    expect((await sdk(st).check({ user: 'user:anne', relation: 'viewer', object: 'folder:f' })).allowed).toBe(false);
  });
});
