/** The fake's model evaluation beyond the contract's fixture model: exclusion (`but not`) over pending and written tuples. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformer } from '@openfga/syntax-transformer';
import { FakeAuthorizationModel, OpenFgaFake } from '../../../src/testing';

const model = transformer.transformDSLToJSONObject(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'exclusion.fga'), 'utf8'),
) as FakeAuthorizationModel;

describe('OpenFgaFake with a model', () => {
  it('answers `but not`: a pending block takes access away before any flush, and its flushed revoke gives it back', async () => {
    const fake = new OpenFgaFake({ model });
    await fake.grant('user:*', 'viewer', 'document:1');
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(true);
    await fake.grant('user:anne', 'blocked', 'document:1');
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(false);
    expect(await fake.check('user:bob', 'viewer', 'document:1')).toBe(true);
    await fake.flush();
    await fake.revoke('user:anne', 'blocked', 'document:1');
    // As in the real read path, pending revokes are not sent to OpenFGA: a "denied" stays until the revoke is flushed.
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(false);
    fake.assertPending('user:anne', 'blocked', 'document:1', 'revoke');
    expect(await fake.check('user:anne', 'viewer', 'document:1', { consistency: 'strong' })).toBe(true);
  });

  it('lets seeds decide their exact tuple, and ignores the allow option', async () => {
    const fake = new OpenFgaFake({ model, allow: true });
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(false);
    fake.allow('user:anne', 'viewer', 'document:1');
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(true);
  });
});
