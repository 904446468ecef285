import { Test } from '@nestjs/testing';
import { OpenFgaModule, OpenFgaService } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples } from '../support/state/fga-state';

describe('smoke: grant, check, flush on the real servers', () => {
  it('buffers a grant, answers from the buffer, then writes it to OpenFGA', async () => {
    const store = await freshStore();
    const moduleRef = await Test.createTestingModule({ imports: [OpenFgaModule.forRoot(testOptions(store))] }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    const fga = app.get(OpenFgaService);
    const token = await fga.grant('user:anne', 'viewer', 'document:1');
    expect(token).toMatch(/^v1\./);
    expect(await fga.check('user:anne', 'viewer', 'document:1')).toBe(true);
    expect((await fga.status()).pending.total).toBe(1);
    expect(await readAllTuples(store.storeId)).toEqual([]);
    const result = await fga.flush();
    expect(result).toMatchObject({ writes: 1, deletes: 0, failed: 0, deadLettered: 0 });
    expect(await readAllTuples(store.storeId)).toEqual([{ user: 'user:anne', relation: 'viewer', object: 'document:1' }]);
    await app.close();
  });
});
