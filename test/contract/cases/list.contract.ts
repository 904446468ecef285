/**
 * Contract cases for listObjects, listUsers and read (the real service and the fake alike), on the
 * fixture model (test/fixtures/model.fga). expand and sdkClient need a real OpenFGA: the fake throws
 * OpenFgaFakeUnsupportedError for them, so they are tested in test/integration/list-objects.spec.ts.
 */
import { InvalidConsistencyTokenError, InvalidListOptionsError, InvalidTupleError, ListUnavailableError } from '../../../src';
import type { Tuple } from '../../../src';
import type { OpenFgaServiceContract } from '../../../src/testing';

const t = (user: string, relation: string, object: string): Tuple => ({ user, relation, object });

export function listContract(service: () => OpenFgaServiceContract): void {
  const pendingKeys = async () => (await service().getPendingOperations()).map((o) => `${o.kind} ${o.key}`).sort();

  describe('listObjects, listUsers, read', () => {
    it('list pending grants (direct, group, parent folder) without writing them', async () => {
      const fga = service();
      await fga.grantMany([t('folder:root', 'parent', 'document:in-root'), t('group:eng#member', 'viewer', 'document:eng-doc')]);
      await fga.flush();
      await fga.grantMany([
        t('user:anne', 'viewer', 'document:direct'),
        t('user:anne', 'member', 'group:eng'),
        t('user:anne', 'editor', 'folder:root'),
      ]);
      expect(await fga.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:direct', 'document:eng-doc', 'document:in-root']);
      expect(await fga.listObjects('user:anne', 'editor', 'folder')).toEqual(['folder:root']);
      expect(await fga.listUsers('document:eng-doc', 'viewer', ['user'])).toEqual(['user:anne']);
      expect(await fga.listUsers('document:eng-doc', 'viewer', ['group#member', 'user'])).toEqual(['group:eng#member', 'user:anne']);
      expect(await pendingKeys()).toHaveLength(3);
    });

    it('list a pending wildcard as type:*, not expanded', async () => {
      const fga = service();
      await fga.grantMany([t('user:*', 'viewer', 'document:public'), t('user:bob', 'viewer', 'document:bobs')]);
      expect(await fga.listUsers('document:public', 'viewer', ['user'])).toEqual(['user:*']);
      expect(await fga.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:public']);
      expect(await fga.listObjects('user:bob', 'viewer', 'document')).toEqual(['document:bobs', 'document:public']);
    });

    it('never list what a pending revoke took away: the relevant revokes are written, other ops stay buffered', async () => {
      const fga = service();
      await fga.grantMany([
        t('user:anne', 'viewer', 'document:gone'),
        t('user:anne', 'viewer', 'document:kept'),
        t('user:anne', 'member', 'group:eng'),
        t('group:eng#member', 'viewer', 'document:eng-doc'),
        t('user:x', 'member', 'group:far'),
      ]);
      await fga.flush();
      await fga.revokeMany([t('user:anne', 'viewer', 'document:gone'), t('user:anne', 'member', 'group:eng')]);
      await fga.revoke('user:x', 'member', 'group:far'); // another user's membership: not read for anne's documents
      expect(await fga.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:kept']);
      expect(await pendingKeys()).toEqual(['revoke user:x member group:far']);
      expect(await fga.listUsers('document:kept', 'viewer', ['user'])).toEqual(['user:anne']);
    });

    it('write more relevant pending grants than fit as contextual tuples first, and list every one', async () => {
      const fga = service();
      // Parent links: they reach anne through the folder, so they go as contextual tuples (more than fit).
      await fga.grant('user:anne', 'viewer', 'folder:shared');
      const docs = Array.from({ length: 120 }, (_, i) => `document:d${String(i).padStart(3, '0')}`);
      await fga.grantMany(docs.map((d) => t('folder:shared', 'parent', d)));
      await fga.grant('user:x', 'member', 'group:far');
      expect(await fga.listObjects('user:anne', 'viewer', 'document')).toEqual(docs);
      expect(await pendingKeys()).toEqual(['grant user:x member group:far']);
    });

    it("list any number of plain pending grants that add one item each without writing them; another user's revoke stays pending", async () => {
      const fga = service();
      await fga.grant('user:bob', 'viewer', 'document:b');
      await fga.flush();
      const docs = Array.from({ length: 120 }, (_, i) => `document:d${String(i).padStart(3, '0')}`);
      await fga.grantMany(docs.map((d, i) => t('user:anne', i % 2 ? 'viewer' : 'owner', d)));
      await fga.revoke('user:bob', 'viewer', 'document:b');
      expect(await fga.listObjects('user:anne', 'viewer', 'document')).toEqual(docs);
      expect(await fga.listUsers('document:d001', 'viewer', ['user'])).toEqual(['user:anne']);
      expect(await pendingKeys()).toHaveLength(121);
      // Anne's own revoke takes the usual path: 119 grants do not fit as contextual tuples, so every relevant op is written first.
      await fga.revoke('user:anne', 'viewer', 'document:d001');
      expect(await fga.listObjects('user:anne', 'viewer', 'document')).toEqual(docs.filter((d) => d !== 'document:d001'));
      expect(await pendingKeys()).toEqual([]);
    });

    it('at fresh levels, write the relevant ops up to the position first; a bad token is refused', async () => {
      const fga = service();
      const token = await fga.grant('user:anne', 'viewer', 'document:1');
      await fga.grant('user:x', 'member', 'group:far');
      expect(await fga.listObjects('user:anne', 'viewer', 'document', { consistency: 'at-least-as-fresh', token })).toEqual(['document:1']);
      expect(await pendingKeys()).toEqual(['grant user:x member group:far']);
      await expect(
        fga.listObjects('user:anne', 'viewer', 'document', { consistency: 'at-least-as-fresh', token: 'v1.zz' }),
      ).rejects.toBeInstanceOf(InvalidConsistencyTokenError);
    });

    it("take the caller's contextual tuples with the pending grants", async () => {
      const fga = service();
      await fga.grant('user:anne', 'viewer', 'document:pending');
      const contextualTuples = [t('user:anne', 'owner', 'document:ctx')];
      expect(await fga.listObjects('user:anne', 'viewer', 'document', { contextualTuples })).toEqual(['document:ctx', 'document:pending']);
      expect(await fga.listUsers('document:ctx', 'editor', ['user'], { contextualTuples })).toEqual(['user:anne']);
    });

    it('fail closed on a relation or type the model lacks: ListUnavailableError', async () => {
      const fga = service();
      await expect(fga.listObjects('user:anne', 'reader', 'document')).rejects.toBeInstanceOf(ListUnavailableError);
      await expect(fga.listUsers('unknown:1', 'viewer', ['user'])).rejects.toBeInstanceOf(ListUnavailableError);
      await expect(fga.listUsers('document:1', 'viewer', ['nosuch'])).rejects.toBeInstanceOf(ListUnavailableError);
      await expect(fga.listUsers('document:1', 'viewer', ['group#nosuch'])).rejects.toBeInstanceOf(ListUnavailableError);
    });

    it('refuse malformed queries and options naming the field', async () => {
      const fga = service();
      await expect(fga.listObjects('anne', 'viewer', 'document')).rejects.toMatchObject({ field: 'user' });
      await expect(fga.listObjects('user:anne', 'viewer', 'document:1')).rejects.toMatchObject({ field: 'type' });
      await expect(fga.listUsers('document:1', 'viewer', ['user#'])).rejects.toMatchObject({ field: 'userFilters[0]' });
      await expect(fga.listUsers('document:1', 'viewer', [])).rejects.toBeInstanceOf(InvalidTupleError);
      const bad = { contextualTuples: [{ ...t('user:anne', 'viewer', 'document:1'), extra: 1 }] } as never;
      await expect(fga.listObjects('user:anne', 'viewer', 'document', bad)).rejects.toMatchObject({
        name: 'InvalidListOptionsError',
        field: 'options.contextualTuples[0].extra',
      });
      await expect(fga.listUsers('document:1', 'viewer', ['user'], { context: 'x' } as never)).rejects.toBeInstanceOf(
        InvalidListOptionsError,
      );
      await expect(fga.listObjects('user:anne', 'viewer', 'document', { mayOmitPendingGrants: 1 } as never)).rejects.toMatchObject({
        field: 'options.mayOmitPendingGrants',
      });
      await expect(
        fga.listObjects('user:anne', 'viewer', 'document', { mayOmitPendingGrants: true, consistency: 'strong' }),
      ).rejects.toMatchObject({ field: 'options.mayOmitPendingGrants' });
      await expect(fga.read({ object: 'document' })).rejects.toMatchObject({ field: 'filter.object' });
    });

    it('a list that may omit pending grants lists nothing that is not granted', async () => {
      const fga = service();
      await fga.grant('user:anne', 'viewer', 'document:1');
      await fga.flush();
      await fga.grantMany([t('user:anne', 'viewer', 'document:2'), t('user:bob', 'viewer', 'document:3')]);
      const listed = await fga.listObjects('user:anne', 'viewer', 'document', { mayOmitPendingGrants: true });
      expect(listed).toContain('document:1');
      expect(listed.every((o) => ['document:1', 'document:2'].includes(o))).toBe(true);
    });

    it('a userset has its own relation on its own object, at every step of a check: check, batchCheck and lists', async () => {
      const fga = service();
      await fga.grantMany([t('user:erin', 'member', 'group:g'), t('user:anne', 'owner', 'document:5')]);
      for (const stage of ['pending', 'flushed']) {
        const answers = [
          await fga.check('group:g#member', 'member', 'group:g'),
          await fga.check('group:h#member', 'member', 'group:h'),
          // viewer = ... or editor, editor = ... or owner: document:5#owner reaches its own relation on the way.
          await fga.check('document:5#owner', 'viewer', 'document:5'),
          await fga.check('document:5#editor', 'owner', 'document:5'),
          await fga.check('group:g#member', 'member', 'group:g', { consistency: 'strong' }),
        ];
        expect([stage, answers]).toEqual([stage, [true, true, true, false, true]]);
        const batch = await fga.batchCheck([t('group:g#member', 'member', 'group:g'), t('group:g#member', 'member', 'group:h')]);
        expect([stage, batch.map((a) => a.allowed)]).toEqual([stage, [true, false]]);
        expect([stage, await fga.listObjects('group:g#member', 'member', 'group')]).toEqual([stage, ['group:g']]);
        expect([stage, await fga.listUsers('group:g', 'member', ['group#member'])]).toEqual([stage, ['group:g#member']]);
        await fga.flush();
      }
    });

    it('read returns the written tuples only, page by page', async () => {
      const fga = service();
      await fga.grantMany([t('user:anne', 'viewer', 'document:1'), t('user:bob', 'viewer', 'document:1')]);
      expect((await fga.read({ object: 'document:1' })).tuples).toEqual([]);
      await fga.flush();
      await fga.grant('user:carl', 'viewer', 'document:1');
      const first = await fga.read({ object: 'document:1' }, { pageSize: 1 });
      expect(first.tuples).toHaveLength(1);
      expect(first.continuationToken).toEqual(expect.any(String));
      const second = await fga.read({ object: 'document:1' }, { pageSize: 1, continuationToken: first.continuationToken });
      const users = [...first.tuples, ...second.tuples].map((x) => x.user).sort();
      expect(users).toEqual(['user:anne', 'user:bob']);
      expect(second.tuples[0]).toMatchObject({ relation: 'viewer', object: 'document:1', timestamp: expect.stringMatching(/^\d{4}-/) });
    });
  });
}
