import { InvalidTupleError } from '../../../src';
import { OpenFgaFake } from '../../../src/testing';

/**
 * OpenFGA's Read refuses a filter without an object type ("the object type field is required and both the
 * object id and user cannot be empty") and a continuation token it did not issue; the real service passes
 * both on and fails. The fake refuses them too, naming the field, instead of answering a query production cannot.
 */
describe('OpenFgaFake read refuses what OpenFGA refuses', () => {
  let fake: OpenFgaFake;
  beforeEach(async () => {
    fake = new OpenFgaFake();
    await fake.grantMany([
      { user: 'user:anne', relation: 'viewer', object: 'document:1' },
      { user: 'user:anne', relation: 'viewer', object: 'document:2' },
    ]);
    await fake.flush();
  });

  it.each([[{ user: 'user:anne' }], [{ relation: 'viewer' }], [{ object: 'document:' }], [{ relation: 'viewer', object: 'document:' }]])(
    'a filter OpenFGA cannot read by: %j',
    async (filter) => {
      const err = await fake.read(filter).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidTupleError);
      expect(err).toMatchObject({ field: 'filter.object' });
    },
  );

  it('reads by object, by bare type with a user, or everything', async () => {
    expect((await fake.read({ object: 'document:1', relation: 'viewer' })).tuples).toHaveLength(1);
    expect((await fake.read({ user: 'user:anne', object: 'document:' })).tuples).toHaveLength(2);
    expect((await fake.read()).tuples).toHaveLength(2);
  });

  it('a continuation token it did not issue', async () => {
    const first = await fake.read({}, { pageSize: 1 });
    expect((await fake.read({}, { pageSize: 1, continuationToken: first.continuationToken })).tuples).toMatchObject([
      { object: 'document:2' },
    ]);
    for (const token of ['garbage', '0', '-1', '1.5']) {
      await expect(fake.read({}, { continuationToken: token })).rejects.toMatchObject({ field: 'options.continuationToken' });
    }
  });
});
