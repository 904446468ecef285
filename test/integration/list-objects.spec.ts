/**
 * listObjects and listUsers on the real servers: read-your-writes through the
 * buffer (pending grants appear, directly, through a group, through a parent
 * folder; pending revokes never do), more relevant grants than fit as
 * contextual tuples, an unrelated backlog left alone, the store-wide
 * fallback without a model, failing closed, and the read/expand passthrough.
 * Default model: test/fixtures/model.fga. Also run with NESTJS_OPENFGA_REDIS=cluster.
 */
import { join } from 'node:path';
import { InvalidConsistencyTokenError, InvalidListOptionsError, InvalidTupleError, ListUnavailableError } from '../../src';
import type { OpenFgaModuleOptions, Tuple } from '../../src';
import { createStore } from '../support/harness/store';
import { PROJECT_ROOT } from '../support/harness/servers';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import { startSwitchableProxy } from '../support/faults/switchable-proxy';

const t = (user: string, relation: string, object: string): Tuple => ({ user, relation, object });
const fixture = (name: string) => join(PROJECT_ROOT, 'test', 'fixtures', name);

describe('listObjects and listUsers', () => {
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

  const pendingKeys = async (s: OpenService) => (await s.service.getPendingOperations(100_000)).map((op) => `${op.kind} ${op.key}`).sort();

  it('lists pending grants at once: direct, through a group membership and through a parent folder, without writing them', async () => {
    const s = await open(testOptions(await freshStore('list-grants')));
    // Written: the folder tree and the group's access; pending: anne's own grants.
    await s.service.grantMany([
      t('folder:root', 'parent', 'document:in-root'),
      t('group:eng#member', 'viewer', 'document:eng-doc'),
      t('user:bob', 'viewer', 'document:bobs'),
    ]);
    await s.service.flush();
    await s.service.grantMany([
      t('user:anne', 'viewer', 'document:direct'),
      t('user:anne', 'member', 'group:eng'),
      t('user:anne', 'editor', 'folder:root'),
    ]);
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual([
      'document:direct',
      'document:eng-doc',
      'document:in-root',
    ]);
    // Pending grants went to OpenFGA as contextual tuples: still buffered.
    expect(await pendingKeys(s)).toHaveLength(3);
    expect(await s.service.listUsers('document:eng-doc', 'viewer', ['user'])).toEqual(['user:anne']);
    expect(await s.service.listUsers('document:in-root', 'viewer', ['user', 'folder'])).toEqual(['user:anne']);
    expect(await s.service.listUsers('document:eng-doc', 'viewer', ['group#member'])).toEqual(['group:eng#member']);
    // A pending wildcard and a pending group reach listUsers too.
    await s.service.grantMany([t('user:*', 'viewer', 'document:public'), t('group:ops#member', 'viewer', 'document:public')]);
    expect(await s.service.listUsers('document:public', 'viewer', ['user', 'group#member'])).toEqual(['group:ops#member', 'user:*']);
    expect(await s.service.listObjects('user:zed', 'viewer', 'document')).toEqual(['document:public']);
    expect(await pendingKeys(s)).toHaveLength(5);
  });

  it('never lists what a pending revoke took away: the relevant revokes are written first, the rest stays buffered', async () => {
    const s = await open(testOptions(await freshStore('list-revokes')));
    await s.service.grantMany([
      t('user:anne', 'viewer', 'document:direct'),
      t('user:anne', 'viewer', 'document:kept'),
      t('user:anne', 'member', 'group:eng'),
      t('group:eng#member', 'viewer', 'document:eng-doc'),
      t('user:anne', 'viewer', 'folder:root'),
      t('folder:root', 'parent', 'document:in-root'),
    ]);
    await s.service.flush();
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual([
      'document:direct',
      'document:eng-doc',
      'document:in-root',
      'document:kept',
    ]);
    await s.service.revokeMany([
      t('user:anne', 'viewer', 'document:direct'),
      t('user:anne', 'member', 'group:eng'),
      t('folder:root', 'parent', 'document:in-root'),
    ]);
    await s.service.grant('user:carl', 'owner', 'folder:other'); // folder#owner is read by user for anne's documents: carl's grant is not read
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:kept']);
    expect(await pendingKeys(s)).toEqual(['grant user:carl owner folder:other']);
    // listUsers: a pending revoke of a member is never listed either.
    await s.service.grantMany([t('user:dan', 'viewer', 'document:kept')]);
    await s.service.flush();
    await s.service.revoke('user:dan', 'viewer', 'document:kept');
    expect(await s.service.listUsers('document:kept', 'viewer', ['user'])).toEqual(['user:anne']);
  });

  it('follows `but not`: a pending grant on the subtracted side hides, a pending revoke there shows', async () => {
    const store = await createStore(serverEnv().apiUrl, `list-exclusion-${Date.now()}`, fixture('exclusion.fga'));
    const s = await open(testOptions(store));
    await s.service.grantMany([
      t('user:*', 'viewer', 'document:1'),
      t('user:*', 'viewer', 'document:2'),
      t('user:anne', 'blocked', 'document:2'),
    ]);
    await s.service.flush();
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:1']);
    await s.service.grant('user:anne', 'blocked', 'document:1');
    await s.service.revoke('user:anne', 'blocked', 'document:2');
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:2']);
  });

  it('lists nested groups from the nested-groups model with the membership still pending', async () => {
    const store = await createStore(serverEnv().apiUrl, `list-nested-${Date.now()}`, fixture('nested-groups.fga'));
    const s = await open(testOptions(store));
    await s.service.grantMany([t('group:all#member', 'viewer', 'document:handbook'), t('group:eng#member', 'member', 'group:all')]);
    await s.service.flush();
    await s.service.grant('user:anne', 'member', 'group:eng');
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:handbook']);
    expect(await s.service.listUsers('document:handbook', 'viewer', ['user'])).toEqual(['user:anne']);
    await s.service.revoke('group:eng#member', 'member', 'group:all');
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual([]);
    expect(await s.service.listUsers('document:handbook', 'viewer', ['user'])).toEqual([]);
  });

  it("adds plain pending grants to OpenFGA's list itself (listObjects: the user's own; listUsers: the object's): any number, none sent or written first", async () => {
    const s = await open(testOptions(await freshStore('list-plain')));
    await s.service.grant('user:anne', 'viewer', 'document:written');
    await s.service.flush();
    // viewer, editor and owner each grant viewer on their own object (`or` and computed relations).
    const docs = Array.from({ length: 150 }, (_, i) => `document:d${String(i).padStart(3, '0')}`);
    await s.service.grantMany(docs.map((d, i) => t('user:anne', ['viewer', 'editor', 'owner'][i % 3], d)));
    await s.service.grant('user:bob', 'viewer', 'document:bobs');
    const sent: (number | undefined)[] = [];
    s.service.events.on('request', ({ api, tuples }) => api === 'listObjects' && sent.push(tuples));
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual([...docs, 'document:written'].sort());
    expect(sent).toEqual([0]);
    expect(await pendingKeys(s)).toHaveLength(151);
    // listUsers the same way: anne's and bob's plain grants on the listed document are added to OpenFGA's answer.
    await s.service.grant('user:bob', 'owner', 'document:d000');
    sent.length = 0;
    s.service.events.on('request', ({ api, tuples }) => api === 'listUsers' && sent.push(tuples));
    expect(await s.service.listUsers('document:d000', 'viewer', ['user'])).toEqual(['user:anne', 'user:bob']);
    expect(sent).toEqual([0]);
    // Anything else relevant takes the usual path: a pending revoke is written first, a group membership sent.
    await s.service.revoke('user:anne', 'viewer', 'document:written');
    await s.service.grant('user:anne', 'member', 'group:eng');
    await s.service.grant('group:eng#member', 'viewer', 'document:eng');
    const listed = await s.service.listObjects('user:anne', 'viewer', 'document');
    expect(listed).toEqual([...docs, 'document:eng'].sort());
    expect(await s.service.check('user:anne', 'viewer', 'document:written')).toBe(false);
  });

  it('with more relevant pending grants than fit as contextual tuples, writes them first and lists every one', async () => {
    const s = await open(testOptions(await freshStore('list-many')));
    // Parent links reach anne's access through the folder: sent as contextual tuples, not added by the module.
    await s.service.grant('user:anne', 'viewer', 'folder:shared');
    await s.service.flush();
    const docs = Array.from({ length: 150 }, (_, i) => `document:d${String(i).padStart(3, '0')}`);
    await s.service.grantMany(docs.map((d) => t('folder:shared', 'parent', d)));
    await s.service.grant('user:other', 'member', 'group:unrelated');
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual(docs);
    // Written by priority claim: the unrelated membership is still buffered.
    expect(await pendingKeys(s)).toEqual(['grant user:other member group:unrelated']);
    // The caller's contextual tuples take room too: 60 pending + 60 own do not fit in one request.
    const more = Array.from({ length: 60 }, (_, i) => t('user:anne', 'viewer', `document:p${i}`));
    await s.service.grantMany(more);
    const own = Array.from({ length: 60 }, (_, i) => t('user:anne', 'viewer', `document:c${i}`));
    const listed = await s.service.listObjects('user:anne', 'viewer', 'document', { contextualTuples: own });
    expect(listed).toHaveLength(270);
    expect(listed).toEqual(expect.arrayContaining([...more, ...own].map((x) => x.object)));
  });

  it('leaves an unrelated backlog of 5,000 pending grants alone and still lists right', async () => {
    const s = await open(testOptions(await freshStore('list-backlog')));
    await s.service.grant('user:anne', 'viewer', 'document:mine');
    // Memberships of other users: group#member is read by user for anne's list, so none of these is read.
    const backlog = Array.from({ length: 5000 }, (_, i) => t(`user:u${i}`, 'member', `group:g${i % 50}`));
    await s.service.grantMany(backlog);
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:mine']);
    expect((await s.service.status()).pending.total).toBe(5001);
    await s.service.revoke('user:anne', 'viewer', 'document:mine');
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual([]);
    expect((await s.service.status()).pending.total).toBe(5000);
  });

  it("passes the caller's contextual tuples and context through, with the pending grants", async () => {
    const s = await open(testOptions(await freshStore('list-contextual')));
    await s.service.grant('user:anne', 'viewer', 'document:pending');
    const listed = await s.service.listObjects('user:anne', 'viewer', 'document', {
      contextualTuples: [t('user:anne', 'owner', 'document:ctx'), t('user:anne', 'viewer', 'document:pending')],
      context: {},
    });
    expect(listed).toEqual(['document:ctx', 'document:pending']);
    expect(
      await s.service.listUsers('document:ctx', 'owner', ['user'], { contextualTuples: [t('user:bob', 'owner', 'document:ctx')] }),
    ).toEqual(['user:bob']);
  });

  it('at fresh levels, writes the relevant ops up to the position first', async () => {
    const s = await open(testOptions(await freshStore('list-fresh')));
    const token = await s.service.grant('user:anne', 'viewer', 'document:1');
    await s.service.grant('user:x', 'member', 'group:far');
    expect(await s.service.listObjects('user:anne', 'viewer', 'document', { consistency: 'at-least-as-fresh', token })).toEqual([
      'document:1',
    ]);
    expect(await pendingKeys(s)).toEqual(['grant user:x member group:far']);
    expect(await s.service.listUsers('document:1', 'viewer', ['user'], { consistency: 'strong' })).toEqual(['user:anne']);
    await expect(
      s.service.listObjects('user:anne', 'viewer', 'document', { consistency: 'at-least-as-fresh', token: 'nope' }),
    ).rejects.toBeInstanceOf(InvalidConsistencyTokenError);
  });

  it('dead-letters an invalid pending grant it depends on and lists the rest', async () => {
    const s = await open(testOptions(await freshStore('list-invalid')));
    // `parent` takes folders only: OpenFGA rejects this tuple, also as a contextual tuple. The service refuses it in
    // the call; buffered directly, it stands for a grant checked against a model that changed before its flush.
    await s.core.buffer.enqueue([{ kind: 'grant', ...t('user:anne', 'parent', 'document:1') }], s.core.options.authorizationModelId);
    await s.service.grant('user:anne', 'viewer', 'document:2');
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:2']);
    expect((await s.service.getDeadLetters()).map((d) => d.operation.key)).toEqual(['user:anne parent document:1']);
  });

  it('without the model (unreadable at start): writes everything buffered first, then lists', async () => {
    const store = await freshStore('list-no-model');
    const proxy = await startSwitchableProxy(serverEnv().apiUrl, 'refuse');
    try {
      const s = await open(testOptions(store, { apiUrl: proxy.url, requestTimeout: 1, checkTimeout: 5 }));
      expect((await s.service.status()).model).toMatchObject({ invalidation: 'store-wide' });
      proxy.mode = 'forward';
      await s.service.grantMany([
        t('user:anne', 'viewer', 'document:1'),
        t('user:anne', 'viewer', 'document:2'),
        t('user:z', 'member', 'group:z'),
      ]);
      await s.service.flush();
      await s.service.revoke('user:anne', 'viewer', 'document:1');
      await s.service.grant('user:anne', 'member', 'group:g');
      await s.service.grant('group:g#member', 'viewer', 'document:3');
      expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:2', 'document:3']);
      expect(await pendingKeys(s)).toEqual([]);
      await s.service.revoke('user:z', 'member', 'group:z');
      expect(await s.service.listUsers('group:z', 'member', ['user'])).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('reports each list request to OpenFGA as a `request` event (metrics and tracing see them): one per listObjects, one per user filter', async () => {
    const s = await open(testOptions(await freshStore('list-events')));
    await s.service.grant('user:anne', 'viewer', 'document:1');
    const seen: { api: string; outcome: string; tuples?: number }[] = [];
    s.service.events.on('request', ({ api, outcome, tuples }) => seen.push({ api, outcome, tuples }));
    expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:1']);
    expect(await s.service.listUsers('document:1', 'viewer', ['user', 'group#member'])).toEqual(['user:anne']);
    // anne's plain grant is added to each list by the module, not sent.
    expect(seen).toEqual([
      { api: 'listObjects', outcome: 'ok', tuples: 0 },
      { api: 'listUsers', outcome: 'ok', tuples: 0 },
      { api: 'listUsers', outcome: 'ok', tuples: 0 },
    ]);
  });

  it('fails closed when OpenFGA cannot answer: ListUnavailableError, never a partial list', async () => {
    const store = await freshStore('list-down');
    const proxy = await startSwitchableProxy(serverEnv().apiUrl, 'forward');
    try {
      const s = await open(testOptions(store, { apiUrl: proxy.url, requestTimeout: 1, checkTimeout: 2 }));
      await s.service.grant('user:anne', 'viewer', 'document:1');
      proxy.mode = 'refuse';
      proxy.cut();
      await expect(s.service.listObjects('user:anne', 'viewer', 'document')).rejects.toBeInstanceOf(ListUnavailableError);
      // A pending revoke that cannot be written: no list either (it would still show the document).
      proxy.mode = 'forward';
      await s.service.flush();
      await s.service.revoke('user:anne', 'viewer', 'document:1');
      proxy.mode = 'refuse';
      proxy.cut();
      const err = await s.service.listUsers('document:1', 'viewer', ['user']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListUnavailableError);
      expect((err as Error).message).toMatch(/^listUsers document:1 viewer \[user\] could not be answered/);
      proxy.mode = 'hold';
      proxy.cut();
      await expect(s.service.listObjects('user:anne', 'viewer', 'document')).rejects.toThrow(/could not be answered/);
      proxy.mode = 'forward';
      proxy.cut();
      // The revoke's failed writes wait out their backoff; a flush with nothing else to claim probes the waiting batch.
      await s.service.flush();
      expect(await s.service.listObjects('user:anne', 'viewer', 'document')).toEqual([]);
      // OpenFGA refusing the query itself (a relation the model lacks) is no list either.
      await expect(s.service.listObjects('user:anne', 'no_such', 'document')).rejects.toBeInstanceOf(ListUnavailableError);
    } finally {
      await proxy.close();
    }
  });

  it('refuses malformed queries and options naming the field, before anything is written', async () => {
    const s = await open(testOptions(await freshStore('list-bad')));
    await s.service.grant('user:anne', 'viewer', 'document:1');
    await expect(s.service.listObjects('anne', 'viewer', 'document')).rejects.toMatchObject({ name: 'InvalidTupleError', field: 'user' });
    await expect(s.service.listObjects('user:anne', 'view er', 'document')).rejects.toMatchObject({ field: 'relation' });
    await expect(s.service.listObjects('user:anne', 'viewer', 'document:1')).rejects.toMatchObject({ field: 'type' });
    await expect(s.service.listUsers('document', 'viewer', ['user'])).rejects.toMatchObject({ field: 'object' });
    await expect(s.service.listUsers('document:1', 'viewer', [])).rejects.toMatchObject({ field: 'userFilters' });
    await expect(s.service.listUsers('document:1', 'viewer', ['user', 'group#'])).rejects.toMatchObject({ field: 'userFilters[1]' });
    await expect(s.service.listUsers('document:1', 'viewer', 'user' as unknown as string[])).rejects.toBeInstanceOf(InvalidTupleError);
    await expect(
      s.service.listObjects('user:anne', 'viewer', 'document', { contextualTuples: [t('user:anne', 'viewer', 'doc')] }),
    ).rejects.toMatchObject({
      name: 'InvalidListOptionsError',
      field: 'options.contextualTuples[0].object',
    });
    await expect(
      s.service.listObjects('user:anne', 'viewer', 'document', { context: [] as unknown as Record<string, unknown> }),
    ).rejects.toBeInstanceOf(InvalidListOptionsError);
    await expect(s.service.listObjects('user:anne', 'viewer', 'document', { extra: 1 } as never)).rejects.toMatchObject({
      field: 'options.extra',
    });
    expect(await pendingKeys(s)).toEqual(['grant user:anne viewer document:1']);
  });

  it('read and expand pass through to OpenFGA (stored tuples only); sdkClient is the configured SDK client', async () => {
    const store = await freshStore('list-read');
    const s = await open(testOptions(store));
    await s.service.grant('user:anne', 'viewer', 'document:1');
    expect((await s.service.read({ object: 'document:1' })).tuples).toEqual([]); // buffered, not yet in OpenFGA
    await s.service.flush();
    await s.service.grant('user:bob', 'viewer', 'document:1');
    // A bare type needs a user (OpenFGA's rule).
    const page = await s.service.read({ user: 'user:anne', object: 'document:' });
    expect(page.tuples.map(({ user, relation, object }) => ({ user, relation, object }))).toEqual([t('user:anne', 'viewer', 'document:1')]);
    expect(page.tuples[0].timestamp).toMatch(/^\d{4}-/);
    expect(page.continuationToken).toBeUndefined();
    expect((await s.service.read({ object: 'document:1' })).tuples).toHaveLength(1);
    const tree = await s.service.expand('viewer', 'document:1');
    expect(JSON.stringify(tree)).toContain('user:anne');
    expect(JSON.stringify(tree)).not.toContain('user:bob');
    await expect(s.service.read({ object: 'document' })).rejects.toMatchObject({ field: 'filter.object' });
    // What OpenFGA's Read refuses without naming a field: a user or relation without an object, a bare type without a user.
    await expect(s.service.read({ user: 'user:anne' })).rejects.toMatchObject({ name: 'InvalidTupleError', field: 'filter.object' });
    await expect(s.service.read({ relation: 'viewer' })).rejects.toMatchObject({ field: 'filter.object' });
    await expect(s.service.read({ object: 'document:' })).rejects.toMatchObject({ field: 'filter.object' });
    await expect(s.service.read({}, { pageSize: 0 })).rejects.toMatchObject({ field: 'options.pageSize' });
    await expect(s.service.expand('viewer', 'document')).rejects.toMatchObject({ field: 'object' });
    const sdk = s.service.sdkClient;
    expect(sdk.storeId).toBe(store.storeId);
    expect(sdk.authorizationModelId).toBe(store.modelId);
    expect((await sdk.check({ user: 'user:anne', relation: 'viewer', object: 'document:1' })).allowed).toBe(true);
    // It does not see the buffer.
    expect((await sdk.check({ user: 'user:bob', relation: 'viewer', object: 'document:1' })).allowed).toBe(false);
  });
});
