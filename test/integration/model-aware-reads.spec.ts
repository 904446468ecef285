/**
 * Model-aware reads on the real servers (docs/design.md §4): the relation
 * graph read from the model, the outstanding-op index, the priority claim,
 * a model change, and the store-wide fallback when the model cannot be read.
 */
import { OpenFgaClient } from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import type { OpenFgaModuleOptions, Tuple } from '../../src';
import { tupleKey } from '../../src/redis/redis-keys';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { openService, OpenService, scoped } from '../support/harness/service';
import { startSwitchableProxy } from '../support/faults/switchable-proxy';
import { readAllTuples } from '../support/state/fga-state';

const t = (user: string, relation: string, object: string): Tuple => ({ user, relation, object });

describe('model-aware reads', () => {
  const opened: OpenService[] = [];
  const open = async (options: OpenFgaModuleOptions) => {
    const s = openService(options);
    opened.push(s);
    await s.ready();
    return s;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  /** The members of a pair's outstanding-op index. */
  const indexOf = (s: OpenService, pair: string) => s.core.redis.zrange(`${s.core.buffer.keys.base}ix:${pair}`, 0, -1);

  it('follows the pinned model: scoped invalidation, shown in status()', async () => {
    const store = await freshStore('aware-status');
    const s = await open(testOptions(store));
    expect((await s.service.status()).model).toEqual({ modelId: store.modelId, pinned: true, invalidation: 'scoped', writesChecked: true });
  });

  it('indexes every outstanding op by relation, and forgets it once settled, dead-lettered or cleared', async () => {
    const store = await freshStore('aware-index');
    const s = await open(testOptions(store));
    await s.service.grantMany([
      t('user:a', 'owner', 'document:1'),
      t('user:*', 'viewer', 'document:2'),
      t('group:h#member', 'member', 'group:g'),
    ]);
    // A relation the model lacks: the service refuses it in the call; buffered directly, it is dead-lettered at flush.
    await s.core.buffer.enqueue([{ kind: 'grant', ...t('user:a', 'no_such', 'document:3') }], store.modelId);
    // Document relations are read by object only; group#member also by user (checks reach groups through their user).
    expect(await indexOf(s, 'document#owner')).toEqual(['o document:1 user:a']);
    expect(await indexOf(s, 'document#viewer')).toEqual(['o document:2 user:*']);
    expect((await indexOf(s, 'group#member')).sort()).toEqual([
      'n group:h#member group:g',
      'o group:g group:h#member',
      'u group:h#member group:g',
    ]);
    await s.service.revoke('user:a', 'owner', 'document:1'); // replaces the pending grant: still one entry per tuple
    expect(await indexOf(s, 'document#owner')).toEqual(['o document:1 user:a']);
    const flushed = await s.service.flush();
    expect(flushed).toMatchObject({ deadLettered: 1, failed: 0 });
    expect(await indexOf(s, 'document#owner')).toEqual([]);
    expect(await indexOf(s, 'document#viewer')).toEqual([]);
    expect(await indexOf(s, 'group#member')).toEqual([]);
    expect(await indexOf(s, 'document#no_such')).toEqual([]);
    await s.service.grant('user:b', 'editor', 'folder:f');
    expect(await indexOf(s, 'folder#editor')).toHaveLength(2);
    await s.service.clear();
    expect(await indexOf(s, 'folder#editor')).toEqual([]);
  });

  it('indexes once, at start, what a version without the index left in the buffer', async () => {
    const store = await freshStore('aware-upgrade');
    const options = testOptions(store);
    const old = await open(options);
    await old.service.grant('user:a', 'owner', 'document:1');
    // As an older version leaves it: the op buffered, no index, no marker.
    const base = old.core.buffer.keys.base;
    await old.core.redis.del(`${base}ix:document#owner`, `${base}indexed`);
    const upgraded = await open({ ...options });
    expect(await indexOf(upgraded, 'document#owner')).toEqual(['o document:1 user:a']);
    expect(await upgraded.service.check('user:a', 'viewer', 'document:1')).toBe(true);
    expect(await upgraded.core.buffer.indexBuffered()).toBe(0); // marked: never again
  });

  it('a priority claim takes only the named tuples, ahead of older ops, never one in flight', async () => {
    const store = await freshStore('aware-claim');
    const s = await open(testOptions(store));
    const old = Array.from({ length: 5 }, (_, i) => t(`user:u${i}`, 'owner', `document:d${i}`));
    await s.service.grantMany(old);
    await s.service.revoke('user:x', 'viewer', 'folder:f');
    const first = await s.core.buffer.claimTuples([tupleKey(t('user:x', 'viewer', 'folder:f')), 'user:nobody viewer folder:f'], 10_000);
    expect(first?.operations.map((o) => o.key)).toEqual([tupleKey(t('user:x', 'viewer', 'folder:f'))]);
    // In flight now: a second priority claim of it finds nothing, and a newer op on it waits.
    await s.service.grant('user:x', 'viewer', 'folder:f');
    expect(await s.core.buffer.claimTuples([tupleKey(t('user:x', 'viewer', 'folder:f'))], 10_000)).toBeUndefined();
    expect((await s.service.status()).pending.total).toBe(6);
    await s.core.buffer.release(first!.id);
    expect(await s.service.flush()).toMatchObject({ writes: 6, deletes: 0, failed: 0 });
  });

  it('a check writes only the relevant revoke before trusting "allowed", and leaves the backlog alone', async () => {
    const store = await freshStore('aware-revoke');
    const options = testOptions(store); // one key prefix: two processes of one app
    const writer = await open(options);
    const reader = await open({ ...options });
    await writer.service.grant('user:a', 'viewer', 'folder:f');
    await writer.service.flush();
    expect(await reader.service.check('user:a', 'viewer', 'folder:f')).toBe(true);
    await writer.service.grantMany(Array.from({ length: 300 }, (_, i) => t(`user:u${i}`, 'owner', `document:d${i}`)));
    await writer.service.revoke('user:b', 'viewer', 'folder:g'); // another user and folder: irrelevant
    await writer.service.revoke('user:a', 'viewer', 'folder:f');
    expect(await reader.service.check('user:a', 'viewer', 'folder:f')).toBe(false);
    const status = await writer.service.status();
    expect(status.pending).toEqual({ writes: 300, deletes: 1, total: 301 });
    expect((await readAllTuples(store.storeId)).map(tupleKey)).toEqual([]);
  });

  it("a check on an imported relation sends only its own object's grants, without flushing the import", async () => {
    const store = await freshStore('aware-import');
    const s = await open(testOptions(store));
    const imported = Array.from({ length: 2_000 }, (_, i) => t(`user:u${i}`, 'owner', `document:d${i}`));
    await s.service.grantMany(imported);
    expect(await s.service.check('user:u7', 'viewer', 'document:d7')).toBe(true);
    expect(await s.service.check('user:u7', 'viewer', 'document:d8')).toBe(false);
    expect(await s.service.check('user:bob', 'viewer', 'folder:f0')).toBe(false);
    expect((await s.service.status()).pending.total).toBe(2_000);
  });

  it('a new latest model rebuilds the graph and drops every cached answer', async () => {
    const store = await freshStore('aware-model-change');
    const fga = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });
    const writeModel = async (dsl: string) =>
      (
        await fga.writeAuthorizationModel(
          transformer.transformDSLToJSONObject(dsl) as Parameters<OpenFgaClient['writeAuthorizationModel']>[0],
        )
      ).authorization_model_id;
    const v1 = await writeModel(
      'model\n  schema 1.1\ntype user\ntype doc\n  relations\n    define owner: [user]\n    define viewer: [user]\n',
    );
    const s = await open(testOptions(store, { authorizationModelId: undefined }));
    expect((await s.service.status()).model).toEqual({ modelId: v1, pinned: false, invalidation: 'scoped', writesChecked: true });
    await fga.writeTuples([t('user:a', 'owner', 'doc:1')]);
    expect(await s.service.check('user:a', 'viewer', 'doc:1')).toBe(false);
    expect(await s.core.read.lookup(...scoped(s, t('user:a', 'viewer', 'doc:1')))).toEqual({ source: 'cache', allowed: false });
    const v2 = await writeModel(
      'model\n  schema 1.1\ntype user\ntype doc\n  relations\n    define owner: [user]\n    define viewer: [user] or owner\n',
    );
    await s.core.model.refresh();
    expect((await s.service.status()).model).toEqual({ modelId: v2, pinned: false, invalidation: 'scoped', writesChecked: true });
    expect((await s.core.read.lookup(...scoped(s, t('user:a', 'viewer', 'doc:1')))).source).toBe('miss');
    expect(await s.service.check('user:a', 'viewer', 'doc:1')).toBe(true);
    // The new graph scopes writes: an owner grant now reaches viewer answers on its document.
    expect(await s.service.check('user:b', 'viewer', 'doc:2')).toBe(false);
    await s.service.grant('user:b', 'owner', 'doc:2');
    expect(await s.service.check('user:b', 'viewer', 'doc:2')).toBe(true);
  });

  it('a process pinned to an older model than the store follows writes store-wide and caches nothing', async () => {
    const store = await freshStore('aware-older');
    // Model ids are ULIDs: one written a few milliseconds later sorts after.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const fga = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });
    const { authorization_model_id: newer } = await fga.writeAuthorizationModel(
      (await fga.readAuthorizationModel({ authorizationModelId: store.modelId })).authorization_model as Parameters<
        OpenFgaClient['writeAuthorizationModel']
      >[0],
    );
    const options = testOptions(store);
    const current = await open({ ...options, authorizationModelId: newer });
    const older = await open(options);
    expect((await older.service.status()).model).toMatchObject({ modelId: store.modelId, invalidation: 'store-wide' });
    expect((await current.service.status()).model).toMatchObject({ modelId: newer, invalidation: 'scoped' });
    // The current process caches; a write by the older one (whose graph the store does not follow) drops it.
    expect(await current.service.check('user:z', 'viewer', 'folder:far')).toBe(false);
    expect((await current.core.read.lookup(...scoped(current, t('user:z', 'viewer', 'folder:far')))).source).toBe('cache');
    await older.service.grant('user:y', 'owner', 'document:elsewhere');
    expect((await current.core.read.lookup(...scoped(current, t('user:z', 'viewer', 'folder:far')))).source).toBe('miss');
    // The older one answers, but caches nothing.
    expect(await older.service.check('user:y', 'viewer', 'document:elsewhere')).toBe(true);
    expect((await older.core.read.lookup(...scoped(older, t('user:y', 'viewer', 'document:elsewhere')))).source).toBe('miss');
  });

  it('without the model (OpenFGA down at start): store-wide, shown in status, then scoped once it is read', async () => {
    const store = await freshStore('aware-down');
    const proxy = await startSwitchableProxy(serverEnv().apiUrl, 'refuse');
    try {
      const s = await open(testOptions(store, { apiUrl: proxy.url, requestTimeout: 1, checkTimeout: 2 }));
      const status = (await s.service.status()).model;
      expect(status).toMatchObject({ modelId: null, invalidation: 'store-wide' });
      expect(status.reason).toMatch(/could not be read/);
      proxy.mode = 'forward';
      // Store-wide still answers correctly.
      await s.service.grant('user:a', 'owner', 'document:1');
      expect(await s.service.check('user:a', 'viewer', 'document:1')).toBe(true);
      await s.service.grant('user:a', 'member', 'group:g');
      expect(await indexOf(s, 'group#member')).toEqual(['o group:g user:a']); // no graph: found by object only
      await s.core.model.refresh();
      expect((await s.service.status()).model).toEqual({
        modelId: store.modelId,
        pinned: true,
        invalidation: 'scoped',
        writesChecked: true,
      });
      // Adopting the graph indexed the pending membership by user too: a document check reaches it that way.
      expect(await indexOf(s, 'group#member')).toEqual(['o group:g user:a', 'u user:a group:g']);
      expect(await s.service.check('user:a', 'viewer', 'document:1')).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
