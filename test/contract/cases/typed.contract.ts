/**
 * `typedOpenFga`: the typed view is the same service (real or fake), so typed
 * and untyped calls share one buffer and answer alike.
 */
import { typedOpenFga } from '../../../src';
import type { ContractFactory, ContractSubject } from '../openfga-service.contract';

/** test/fixtures/model.fga, as `nestjs-openfga model types` writes it. */
type FixtureModel = {
  user: Record<never, never>;
  group: { member: 'user' | 'group#member' };
  folder: { owner: 'user'; parent: 'folder'; editor: 'user' | 'group#member'; viewer: 'user' | 'user:*' | 'group#member' };
  document: { owner: 'user'; parent: 'folder'; editor: 'user' | 'group#member'; viewer: 'user' | 'user:*' | 'group#member' };
};

export function typedServiceContract(factory: ContractFactory): void {
  describe('typedOpenFga', () => {
    let subject: ContractSubject;
    beforeEach(async () => {
      subject = await factory();
    });
    afterEach(() => subject.close());

    it('is the same service: typed writes are seen by untyped checks and back', async () => {
      const fga = typedOpenFga<FixtureModel>(subject.service);
      expect(fga).toBe(subject.service);
      await fga.grant('user:anne', 'editor', 'document:t1');
      expect(await subject.service.check('user:anne', 'viewer', 'document:t1')).toBe(true);
      await subject.service.grant('user:bob', 'member', 'group:t');
      await fga.grantMany([{ user: 'group:t#member', relation: 'viewer', object: 'folder:t' }]);
      await fga.grant('folder:t', 'parent', 'document:t2');
      expect(await fga.check('user:bob', 'viewer', 'document:t2')).toBe(true);
      await fga.revoke('user:anne', 'editor', 'document:t1');
      expect(await fga.check('user:anne', 'viewer', 'document:t1')).toBe(false);
      await fga.revokeMany([{ user: 'group:t#member', relation: 'viewer', object: 'folder:t' }]);
      expect(await fga.check('user:bob', 'viewer', 'document:t2')).toBe(false);
    });
  });
}
