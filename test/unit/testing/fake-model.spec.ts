/** The fake's model evaluation beyond the contract's fixture model: exclusion (`but not`) over pending and written tuples. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformer } from '@openfga/syntax-transformer';
import { FakeAuthorizationModel, OpenFgaFake } from '../../../src/testing';

const model = transformer.transformDSLToJSONObject(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'exclusion.fga'), 'utf8'),
) as FakeAuthorizationModel;

describe('OpenFgaFake with a model', () => {
  it('answers `but not`: a pending block takes access away before any flush, and its revoke gives it back at once', async () => {
    const fake = new OpenFgaFake({ model });
    await fake.grant('user:*', 'viewer', 'document:1');
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(true);
    await fake.grant('user:anne', 'blocked', 'document:1');
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(false);
    expect(await fake.check('user:bob', 'viewer', 'document:1')).toBe(true);
    await fake.flush();
    await fake.revoke('user:anne', 'blocked', 'document:1');
    await fake.grant('user:bob', 'blocked', 'document:2'); // another document: not part of the answer
    // As in the real read path: a revoke on the subtracted side of `but not` is written before a "denied" is trusted.
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(true);
    expect(await fake.getPendingOperations()).toEqual([expect.objectContaining({ key: 'user:bob blocked document:2' })]);
  });

  it('lets seeds decide their exact tuple, and ignores the allow option', async () => {
    const fake = new OpenFgaFake({ model, allow: true });
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(false);
    fake.allow('user:anne', 'viewer', 'document:1');
    expect(await fake.check('user:anne', 'viewer', 'document:1')).toBe(true);
  });
});
