/**
 * `mayOmitPendingGrants` (issue 26): a list that must answer during a large
 * import answers from what OpenFGA holds plus the pending grants that fit,
 * instead of writing the import first. What it returns is always a subset of
 * the full answer (it may miss what pending grants give); a pending revoke
 * in the store turns the opt-in off, so nothing a revoke took away is listed.
 * Without the opt-in, lists stay exact.
 */
import { join } from 'node:path';
import { InvalidListOptionsError, type Tuple } from '../../src';
import { serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';
import { createStore } from '../support/harness/store';

const IMPORTED = 60;
const docs = Array.from({ length: IMPORTED }, (_, i) => `document:d${i}`);
const underRoot = (object: string): Tuple => ({ user: 'folder:root', relation: 'parent', object });

describe('lists that may omit pending grants', () => {
  let s: OpenService;
  const pending = async () => (await s.service.status()).pending.total;

  beforeEach(async () => {
    const st = await createStore(serverEnv().apiUrl, `list-omit-${Date.now()}`, join(PROJECT_ROOT, 'test', 'fixtures', 'model.fga'));
    s = openService(testOptions(st, { readLimits: { contextualTuples: 5, listedOperations: 8 } }));
    await s.ready();
    await s.service.grantMany([
      { user: 'user:bob', relation: 'viewer', object: 'folder:root' },
      { user: 'user:bob', relation: 'viewer', object: 'document:stored' },
    ]);
    await s.service.flush();
    await s.service.grantMany(docs.map(underRoot)); // the import, pending
  });
  afterEach(() => s.close());

  it('answers from OpenFGA plus the grants that fit, writing nothing first', async () => {
    const listed = await s.service.listObjects('user:bob', 'viewer', 'document', { mayOmitPendingGrants: true });
    expect(listed).toContain('document:stored');
    const fromImport = listed.filter((d) => docs.includes(d));
    expect(fromImport).toHaveLength(5); // readLimits.contextualTuples
    expect(listed.every((d) => d === 'document:stored' || docs.includes(d))).toBe(true);
    expect(await pending()).toBe(IMPORTED);

    const users = await s.service.listUsers(docs[0], 'viewer', ['user'], { mayOmitPendingGrants: true });
    expect(users.every((u) => u === 'user:bob')).toBe(true);
    expect(await pending()).toBe(IMPORTED);
  });

  it('without the opt-in the list is exact (the import is written first)', async () => {
    const listed = await s.service.listObjects('user:bob', 'viewer', 'document');
    expect([...listed].sort()).toEqual([...docs, 'document:stored'].sort());
    expect(await pending()).toBeLessThan(IMPORTED);
  });

  it('a pending revoke turns the opt-in off: what it took away is never listed', async () => {
    await s.service.revoke('user:bob', 'viewer', 'document:stored');
    const listed = await s.service.listObjects('user:bob', 'viewer', 'document', { mayOmitPendingGrants: true });
    // The revoke was written first; once it was, the list may omit pending grants again.
    expect(listed).not.toContain('document:stored');
    expect(listed.every((d) => docs.includes(d))).toBe(true);
    expect(await s.service.check('user:bob', 'viewer', 'document:stored')).toBe(false);
  });

  it('refuses a malformed opt-in, naming the field, before reading anything', async () => {
    await expect(
      s.service.listObjects('user:bob', 'viewer', 'document', { mayOmitPendingGrants: 'yes' as unknown as boolean }),
    ).rejects.toThrow(new InvalidListOptionsError('options.mayOmitPendingGrants', 'yes', 'true or false'));
    await expect(
      s.service.listObjects('user:bob', 'viewer', 'document', { mayOmitPendingGrants: true, consistency: 'strong' }),
    ).rejects.toThrow(/options\.mayOmitPendingGrants: expected false \(or absent\) with consistency/);
    expect(await pending()).toBe(IMPORTED);
  });
});
