/**
 * A write the authorization model forbids is refused in the call (issue 24 item 1), by OpenFGA's own
 * write rules: the object's type, the relation, a directly assignable relation, the directly related
 * user types (`type`, `type:*`, `type#relation`) and conditions. Each refusal names the field and what
 * the model allows; nothing is buffered and no position (token) is handed out, for the whole call.
 * Without a readable model, writes keep their syntax checks only, and status() says so.
 */
import { join } from 'node:path';
import { OpenFgaClient } from '@openfga/sdk';
import { InvalidTupleError, type OpenFgaModuleOptions, type Tuple } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { LENIENT_MODEL, writeModelFile } from '../support/harness/model-behind';
import { PROJECT_ROOT } from '../support/harness/servers';
import { openService, type OpenService } from '../support/harness/service';
import { createStore, type TestStore } from '../support/harness/store';
import { startSwitchableProxy } from '../support/faults/switchable-proxy';
import { readAllTuples, tupleId } from '../support/state/fga-state';

const WRITE_RULES_MODEL = join(PROJECT_ROOT, 'test', 'fixtures', 'write-rules.fga');
const t = (user: string, relation: string, object: string): Tuple => ({ user, relation, object });
const IN_EU = { name: 'in_region', context: { region: 'eu', allowed: ['eu'] } };

describe('writes the model forbids are refused in the call', () => {
  const opened: OpenService[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((o) => o.close()));
  });

  async function open(store: TestStore, overrides: Partial<OpenFgaModuleOptions> = {}): Promise<OpenService> {
    const s = openService(testOptions(store, { changeFeed: { enabled: false }, ...overrides }));
    opened.push(s);
    await s.ready();
    return s;
  }

  /** The call throws InvalidTupleError on `field` with exactly `message`. */
  async function refused(call: Promise<unknown>, field: string, message: string): Promise<void> {
    const err = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidTupleError);
    expect(err).toMatchObject({ field, message });
  }

  /** Nothing buffered and not even a position handed out (no token). */
  async function nothingBuffered(s: OpenService): Promise<void> {
    expect(await s.service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
    expect(await s.core.redis.exists(s.core.buffer.keys.seq)).toBe(0);
  }

  describe('on the fixture model', () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await freshStore('write-rules');
    });

    it('refuses a relation the type lacks, naming the relations it has; one bad tuple refuses the whole grantMany', async () => {
      const s = await open(store);
      const expected = '"vewer" is not a relation of document (document has: editor, owner, parent, viewer)';
      await refused(s.service.grant('user:anne', 'vewer', 'document:1'), 'relation', `relation: ${expected}`);
      await refused(
        s.service.grant('user:anne', 'constructor', 'document:1'),
        'relation',
        'relation: "constructor" is not a relation of document (document has: editor, owner, parent, viewer)',
      );
      const good = [t('user:a', 'viewer', 'document:1'), t('user:b', 'owner', 'document:1'), t('group:g#member', 'editor', 'document:1')];
      await refused(
        s.service.grantMany([...good, t('user:anne', 'vewer', 'document:1')]),
        'tuples[3].relation',
        `tuples[3].relation: ${expected}`,
      );
      await nothingBuffered(s);
    });

    it('refuses an object type the model lacks', async () => {
      const s = await open(store);
      const expected = 'object: type "widget" is not in the authorization model (types: user, group, folder, document)';
      await refused(s.service.grant('user:anne', 'viewer', 'widget:1'), 'object', expected);
      await nothingBuffered(s);
    });

    it('refuses a user type, wildcard or userset the relation does not admit', async () => {
      const s = await open(store);
      await refused(
        s.service.grant('group:eng', 'viewer', 'document:1'),
        'user',
        'user: document#viewer admits user, user:*, group#member, not group',
      );
      await refused(
        s.service.grantMany([t('user:a', 'viewer', 'document:1'), t('group:eng', 'owner', 'document:1')]),
        'tuples[1].user',
        'tuples[1].user: document#owner admits user, not group',
      );
      await refused(s.service.grant('user:*', 'owner', 'document:1'), 'user', 'user: document#owner admits user, not user:*');
      await refused(
        s.service.grant('group:eng#member', 'owner', 'document:1'),
        'user',
        'user: document#owner admits user, not group#member',
      );
      await refused(
        s.service.grant('group:eng#membr', 'viewer', 'document:1'),
        'user',
        'user: document#viewer admits user, user:*, group#member, not group#membr',
      );
      await refused(
        s.service.grant('group:eng#member', 'member', 'group:eng'),
        'user',
        'user: group:eng#member on group:eng#member is implicit (a relation always includes its own userset): OpenFGA does not store it',
      );
      await refused(
        s.service.grant('robot:r2', 'viewer', 'document:1'),
        'user',
        'user: document#viewer admits user, user:*, group#member, not robot',
      );
      await nothingBuffered(s);
    });

    it('accepts what the model admits: plain users, wildcards and usersets, and OpenFGA writes them', async () => {
      const s = await open(store);
      const ok = [
        t('user:anne', 'viewer', 'document:ok'),
        t('user:*', 'viewer', 'document:ok'),
        t('group:eng#member', 'editor', 'document:ok'),
      ];
      await s.service.grantMany(ok);
      expect(await s.service.flush()).toMatchObject({ writes: 3, failed: 0, deadLettered: 0 });
      expect((await readAllTuples(store.storeId)).map(tupleId).sort()).toEqual(ok.map(tupleId).sort());
    });
  });

  describe('directly assignable relations and conditions', () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await createStore(serverEnv().apiUrl, `write-rules-cond-${Date.now() % 100000}`, WRITE_RULES_MODEL);
    });

    it('refuses a grant on a relation defined only by rewrites', async () => {
      const s = await open(store);
      await refused(
        s.service.grant('user:anne', 'can_view', 'document:1'),
        'relation',
        'relation: document#can_view cannot be written: it is computed from other relations only (no directly related user types; document takes tuples on: owner, reviewer, tagger, viewer)',
      );
      await nothingBuffered(s);
    });

    it('refuses a grant without the condition the relation requires, or with one it does not take', async () => {
      const s = await open(store);
      await refused(
        s.service.grant('user:anne', 'reviewer', 'document:1'),
        'condition',
        'condition: document#reviewer admits user only with a condition (in_region); the grant has none',
      );
      await refused(
        s.service.grantMany([t('user:a', 'tagger', 'document:1'), t('group:g#member', 'tagger', 'document:1')]),
        'tuples[1].condition',
        'tuples[1].condition: document#tagger admits group#member only with a condition (in_region); the grant has none',
      );
      await refused(
        s.service.grant('user:anne', 'tagger', 'document:1', { condition: IN_EU }),
        'condition',
        'Invalid condition "in_region": expected a condition document#tagger accepts for user:anne (the model has no "in_region" on it for that user type)',
      );
      await nothingBuffered(s);
    });

    it('accepts the conditional grants the model admits, and OpenFGA writes them', async () => {
      const s = await open(store);
      await s.service.grant('user:anne', 'reviewer', 'document:2', { condition: IN_EU });
      await s.service.grant('group:g#member', 'tagger', 'document:2', { condition: IN_EU });
      await s.service.grant('user:anne', 'tagger', 'document:2');
      expect(await s.service.flush()).toMatchObject({ writes: 3, failed: 0, deadLettered: 0 });
    });
  });

  describe('revokes, as OpenFGA deletes whatever the model says', () => {
    it('revokes tuples an older model admitted: a user type, userset, relation or type the current one lacks', async () => {
      const store = await freshStore('write-rules-older');
      const older = await writeModelFile(store.storeId, LENIENT_MODEL);
      const legacy = [
        t('group:eng#member', 'owner', 'document:1'),
        t('robot:r1', 'viewer', 'document:1'),
        t('user:anne', 'approver', 'document:1'),
        t('user:anne', 'viewer', 'widget:1'),
      ];
      const client = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId, authorizationModelId: older });
      await client.write({ writes: legacy });
      // Pinned to the fixture model, which admits none of them any more.
      const s = await open(store);
      await refused(
        s.service.grant('robot:r1', 'viewer', 'document:1'),
        'user',
        'user: document#viewer admits user, user:*, group#member, not robot',
      );
      await s.service.revokeMany(legacy.slice(0, 2));
      await s.service.revoke('user:anne', 'approver', 'document:1');
      await s.service.revoke('user:anne', 'viewer', 'widget:1');
      // A revoke of what never existed (a typo) is a no-op, as OpenFGA's on_missing: ignore makes it.
      await s.service.revoke('user:anne', 'vewer', 'document:1');
      expect(await s.service.flush()).toMatchObject({ deletes: 5, failed: 0, deadLettered: 0 });
      expect(await readAllTuples(store.storeId)).toEqual([]);
    });
  });

  describe('which model', () => {
    it('following the latest model, reads it again before refusing what a newer model allows', async () => {
      const store = await freshStore('write-rules-latest');
      const s = await open(store, { authorizationModelId: undefined, modelRefreshInterval: 3600 });
      await writeModelFile(store.storeId, LENIENT_MODEL); // adds document#approver
      await s.service.grant('user:anne', 'approver', 'document:1');
      expect(await s.service.flush()).toMatchObject({ writes: 1, failed: 0, deadLettered: 0 });
      expect((await s.service.status()).model).toMatchObject({ writesChecked: true, pinned: false });
    });

    it('without a readable model: writes are not checked against it, status() says so, until it is read', async () => {
      const store = await freshStore('write-rules-unreadable');
      const proxy = await startSwitchableProxy(serverEnv().apiUrl, 'refuse');
      try {
        const s = await open(store, { apiUrl: proxy.url, requestTimeout: 1, checkTimeout: 2, modelRefreshInterval: 3600 });
        const status = (await s.service.status()).model;
        expect(status).toMatchObject({ modelId: null, writesChecked: false });
        expect(status.reason).toMatch(/could not be read/);
        proxy.mode = 'forward';
        // Today's behaviour without the model: acknowledged, then dead-lettered by OpenFGA at flush.
        await s.service.grant('user:anne', 'vewer', 'document:1');
        expect(await s.service.flush()).toMatchObject({ deadLettered: 1 });
        await s.core.model.refresh();
        expect((await s.service.status()).model).toMatchObject({ modelId: store.modelId, writesChecked: true });
        await refused(
          s.service.grant('user:anne', 'vewer', 'document:1'),
          'relation',
          'relation: "vewer" is not a relation of document (document has: editor, owner, parent, viewer)',
        );
      } finally {
        await proxy.close();
      }
    });
  });
});
