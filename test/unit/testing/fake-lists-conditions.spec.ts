import { join } from 'node:path';
import { ListUnavailableError } from '../../../src';
import { OpenFgaFake } from '../../../src/testing';

const MODEL = join(__dirname, '..', '..', 'fixtures', 'temporal-access.fga');

/** The error classes are held to the real service by test/contract (conditions); here, what the message says. */
describe('OpenFgaFake lists reaching a condition it cannot evaluate', () => {
  it('fail with ListUnavailableError naming the query and the condition', async () => {
    const fake = new OpenFgaFake({ model: MODEL });
    await fake.grant('user:carl', 'viewer', 'document:2', { condition: { name: 'in_region', context: { allowed: ['eu'] } } });
    const err = await fake.listObjects('user:carl', 'viewer', 'document').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListUnavailableError);
    expect((err as Error).message).toBe(
      "listObjects user:carl viewer document could not be answered: failed to evaluate relationship condition 'in_region' " +
        'of document:2#viewer@user:carl: missing context parameters region',
    );
    await expect(fake.listUsers('document:2', 'viewer', ['user'])).rejects.toThrow(
      /^listUsers document:2 viewer \[user\] could not be answered: failed to evaluate relationship condition 'in_region'/,
    );
  });
});
