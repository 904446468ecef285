/**
 * Lists in queue mode on the real servers: the relevant operations a list
 * must see written (a pending revoke, more grants than fit as contextual
 * tuples) are claimed by priority and written by the BullMQ worker, and the
 * list waits for them; the rest of the buffer stays pending.
 */
import { Test } from '@nestjs/testing';
import { OpenFgaModule, OpenFgaService, Tuple } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';

const t = (user: string, relation: string, object: string): Tuple => ({ user, relation, object });

describe('lists in queue mode', () => {
  it('writes the relevant revokes and the grants that do not fit through the worker, then lists exactly', async () => {
    const store = await freshStore('list-queue');
    const options = testOptions(store, {
      changeFeed: { enabled: false },
      requestTimeout: 2,
      queue: { enabled: true, attempts: 3, backoff: 0.2, timeout: 2 },
    });
    const app = await Test.createTestingModule({ imports: [OpenFgaModule.forRoot(options)] }).compile();
    await app.init();
    try {
      const fga = app.get(OpenFgaService);
      await fga.grantMany([t('user:anne', 'viewer', 'document:gone'), t('user:anne', 'viewer', 'document:kept')]);
      expect(await fga.listObjects('user:anne', 'viewer', 'document', { consistency: 'strong' })).toEqual([
        'document:gone',
        'document:kept',
      ]);
      await fga.revoke('user:anne', 'viewer', 'document:gone');
      await fga.grant('user:other', 'member', 'group:far');
      expect(await fga.listObjects('user:anne', 'viewer', 'document')).toEqual(['document:kept']);
      const docs = Array.from({ length: 120 }, (_, i) => `document:d${String(i).padStart(3, '0')}`);
      // Parent links reach bob through the folder: sent as contextual tuples, more than fit (a grant to bob himself
      // on each document would be added to the list by the module instead, see list-objects).
      await fga.grantMany([t('user:bob', 'viewer', 'folder:shared'), ...docs.map((d) => t('folder:shared', 'parent', d))]);
      expect(await fga.listObjects('user:bob', 'viewer', 'document')).toEqual(docs);
      expect(await fga.listUsers('document:d007', 'viewer', ['user'])).toEqual(['user:bob']);
      expect((await fga.getPendingOperations()).map((op) => op.key)).toEqual(['user:other member group:far']);
    } finally {
      await app.close();
    }
  });
});
