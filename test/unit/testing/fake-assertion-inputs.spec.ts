import { InvalidTupleError } from '../../../src';
import { OpenFgaFake } from '../../../src/testing';

/**
 * A malformed tuple is never recorded, checked or written, so an assertion naming one would say nothing
 * about the code under test: a negative assertion on a typo would always pass. Each assertion refuses it.
 */
describe('OpenFgaFake assertions refuse a malformed tuple, naming the field', () => {
  const typos: [field: 'user' | 'relation' | 'object', user: string, relation: string, object: string][] = [
    ['user', 'anne', 'viewer', 'document:1'],
    ['relation', 'user:anne', 'view er', 'document:1'],
    ['object', 'user:anne', 'viewer', 'document'],
  ];
  const assertions = [
    'assertGranted',
    'assertNotGranted',
    'assertRevoked',
    'assertNotRevoked',
    'assertPending',
    'assertNotPending',
    'assertWritten',
    'assertNotWritten',
    'assertChecked',
    'assertNotChecked',
  ] as const;

  it.each(assertions)('%s', async (assertion) => {
    const fake = new OpenFgaFake();
    await fake.grant('user:anne', 'viewer', 'document:1');
    await fake.check('user:anne', 'viewer', 'document:1');
    for (const [field, ...tuple] of typos) {
      let thrown: unknown;
      try {
        fake[assertion](...tuple);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InvalidTupleError);
      expect((thrown as InvalidTupleError).field).toBe(field);
    }
  });

  it('a well-formed tuple is asserted as before', async () => {
    const fake = new OpenFgaFake();
    await fake.grant('user:anne', 'viewer', 'document:1');
    fake.assertGranted('user:anne', 'viewer', 'document:1');
    fake.assertNotGranted('user:bob', 'viewer', 'document:1');
    fake.assertPending('user:anne', 'viewer', 'document:1', 'grant');
    fake.assertNotChecked('user:anne', 'viewer', 'document:1');
  });
});
