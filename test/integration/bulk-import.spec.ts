/**
 * A bulk import pending in the buffer (docs/design.md §4): checks on other
 * relations, on the imported relation, and next to an unrelated pending
 * revoke answer right, never fail closed, and write nothing of the import.
 * (How fast they stay is benchmarks P8 and P9, not a timed test.)
 */
import type { Tuple } from '../../src';
import { OpenFgaClient } from '@openfga/sdk';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import { readAllTuples } from '../support/state/fga-state';

const IMPORT = 20_000;
const owner = (i: number): Tuple => ({ user: `user:u${i}`, relation: 'owner', object: `document:d${i}` });

describe('a bulk import pending', () => {
  let writer: OpenService;
  let reader: OpenService;
  let storeId: string;
  beforeAll(async () => {
    const store = await freshStore('bulk-import');
    storeId = store.storeId;
    const options = testOptions(store, { checkTimeout: 5 });
    writer = openService(options);
    reader = openService({ ...options });
    for (let from = 0; from < IMPORT; from += 1000) {
      await writer.service.grantMany(Array.from({ length: 1000 }, (_, k) => owner(from + k)));
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all([writer.close(), reader.close()]);
  });

  const pending = async () => (await writer.service.status()).pending.total;

  it('unrelated checks answer from OpenFGA without writing any of it', async () => {
    for (let f = 0; f < 5; f++) expect(await reader.service.check('user:bob', 'viewer', `folder:f${f}`)).toBe(false);
    expect(await pending()).toBe(IMPORT);
  });

  it("checks on the imported relation see their own document's grant, and write nothing", async () => {
    for (const i of [5, 777, 19_999]) {
      expect(await reader.service.check(`user:u${i}`, 'viewer', `document:d${i}`)).toBe(true);
      expect(await reader.service.check(`user:u${i}`, 'viewer', `document:d${i + 1}`)).toBe(false);
    }
    expect(await pending()).toBe(IMPORT);
    expect(await readAllTuples(storeId)).toEqual([]);
  });

  it('an unrelated pending revoke forces nothing; a relevant one is written alone', async () => {
    await new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId }).writeTuples([
      { user: 'user:anne', relation: 'viewer', object: 'folder:g1' },
    ]);
    await writer.service.revoke('user:carl', 'owner', 'document:zz'); // no folder answer depends on document owners
    expect(await reader.service.check('user:anne', 'viewer', 'folder:g1')).toBe(true);
    expect(await pending()).toBe(IMPORT + 1);
    await writer.service.revoke('user:anne', 'viewer', 'folder:g1');
    expect(await reader.service.check('user:anne', 'viewer', 'folder:g1')).toBe(false);
    expect(await pending()).toBe(IMPORT + 1); // the relevant revoke was written, nothing else
    expect(await readAllTuples(storeId)).toEqual([]);
  });
});
