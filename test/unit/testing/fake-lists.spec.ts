/** What only the fake does for lists (the contract suite holds the rest to the real service). */
import { readFileSync } from 'node:fs';
import { transformer } from '@openfga/syntax-transformer';
import { ListUnavailableError } from '../../../src';
import { FakeAuthorizationModel, OpenFgaFake, OpenFgaFakeUnsupportedError } from '../../../src/testing';
import { DEFAULT_MODEL } from '../../support/harness/store';

const model = transformer.transformDSLToJSONObject(readFileSync(DEFAULT_MODEL, 'utf8')) as FakeAuthorizationModel;

describe('OpenFgaFake lists', () => {
  it('fail closed while simulateUnavailable() is on, writing nothing', async () => {
    const fake = new OpenFgaFake({ model });
    await fake.revoke('user:anne', 'viewer', 'document:1');
    fake.simulateUnavailable();
    await expect(fake.listObjects('user:anne', 'viewer', 'document')).rejects.toBeInstanceOf(ListUnavailableError);
    await expect(fake.listUsers('document:1', 'viewer', ['user'])).rejects.toThrow(
      /^listUsers document:1 viewer \[user\] could not be answered/,
    );
    expect(await fake.getPendingOperations()).toHaveLength(1);
    fake.simulateUnavailable(false);
    expect(await fake.listObjects('user:anne', 'viewer', 'document')).toEqual([]);
  });

  it('need the model option: without it, lists fail closed saying so', async () => {
    const fake = new OpenFgaFake({ allow: true });
    await expect(fake.listObjects('user:anne', 'viewer', 'document')).rejects.toThrow(/only with its `model` option/);
  });

  it('refuses a contextual tuple with a condition the model does not define, as OpenFGA', async () => {
    const fake = new OpenFgaFake({ model });
    const contextualTuples = [{ user: 'user:anne', relation: 'viewer', object: 'document:1', condition: { name: 'c' } }];
    await expect(fake.listObjects('user:anne', 'viewer', 'document', { contextualTuples })).rejects.toThrow(/undefined condition/);
  });

  it('expand and sdkClient are not supported: a clear error, after the same validation as the real service', async () => {
    const fake = new OpenFgaFake({ model });
    await expect(fake.expand('viewer', 'document:1')).rejects.toBeInstanceOf(OpenFgaFakeUnsupportedError);
    await expect(fake.expand('viewer', 'document')).rejects.toMatchObject({ field: 'object' });
    expect(() => fake.sdkClient).toThrow(/does not support sdkClient/);
  });
});
