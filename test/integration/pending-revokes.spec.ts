/**
 * A pending revoke is written before an "allowed" is trusted only when it may
 * bear on the answer (issue 13): an unrelated revoke, one on no path of the
 * model to the checked relation, neither delays the check nor makes it flush
 * anything; a relevant one is written first, and the unrelated backlog stays
 * pending. Default model (test/fixtures/model.fga): document relations are
 * on no path to `group#member` nor to `folder#viewer`.
 */
import { OpenFgaClient } from '@openfga/sdk';
import type { Tuple } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';
import { directCheck, readAllTuples, tupleId } from '../support/state/fga-state';

describe('pending revokes and the check', () => {
  let store: TestStore;
  let writer: OpenService;
  let reader: OpenService;
  beforeEach(async () => {
    store = await freshStore('pending-revokes');
    const options = testOptions(store);
    writer = openService(options);
    reader = openService({ ...options });
  });
  afterEach(async () => {
    await writer.close();
    await reader.close();
  });
  const sdk = () => new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });
  const inOpenFga = async (t: Tuple) => (await readAllTuples(store.storeId)).some((u) => tupleId(u) === tupleId(t));

  it('a pending revoke of an unrelated tuple flushes nothing, and the check still answers correctly', async () => {
    const member = { user: 'user:bob', relation: 'member', object: 'group:g1' };
    const unrelated = { user: 'user:carl', relation: 'viewer', object: 'document:9' };
    await sdk().writeTuples([member, unrelated]);
    await writer.service.revoke(unrelated.user, unrelated.relation, unrelated.object);
    await writer.service.grant('user:dora', 'owner', 'document:7'); // unrelated pending grant too
    const before = (await writer.service.status()).pending;

    const answers = {
      'user:bob member group:g1': await reader.service.check(member.user, member.relation, member.object), // OpenFGA: allowed
      'user:anne member group:g1': await reader.service.check('user:anne', 'member', 'group:g1'), // OpenFGA: denied
    };
    const after = (await writer.service.status()).pending;

    expect({ answers, pending: after, revokeStillInOpenFga: await inOpenFga(unrelated) }).toEqual({
      answers: { 'user:bob member group:g1': true, 'user:anne member group:g1': false },
      pending: before,
      revokeStillInOpenFga: true,
    });
    expect(before).toEqual({ writes: 1, deletes: 1, total: 2 });
    // And the revoke itself is honoured for its own tuple, before any flush.
    expect(await reader.service.check(unrelated.user, unrelated.relation, unrelated.object)).toBe(false);
  });

  it('a relevant pending revoke is written before an "allowed" is trusted; the unrelated backlog stays pending', async () => {
    const viewer = { user: 'user:bob', relation: 'viewer', object: 'folder:f1' };
    const unrelatedRevoke = { user: 'user:carl', relation: 'viewer', object: 'document:9' };
    await sdk().writeTuples([viewer, unrelatedRevoke]);
    expect(await reader.service.check(viewer.user, viewer.relation, viewer.object)).toBe(true); // warm "allowed"

    await writer.service.revoke(unrelatedRevoke.user, unrelatedRevoke.relation, unrelatedRevoke.object);
    await writer.service.revoke(viewer.user, viewer.relation, viewer.object); // relevant
    await writer.service.grantMany(
      Array.from({ length: 50 }, (_, i) => ({ user: `user:u${i}`, relation: 'owner', object: `document:d${i}` })),
    );

    const allowed = await reader.service.check(viewer.user, viewer.relation, viewer.object);
    const { pending } = await writer.service.status();

    expect({
      allowed,
      relevantRevokeWritten: !(await directCheck(store.storeId, viewer)),
      pending,
      unrelatedRevokeStillInOpenFga: await inOpenFga(unrelatedRevoke),
    }).toEqual({
      allowed: false,
      relevantRevokeWritten: true,
      pending: { writes: 50, deletes: 1, total: 51 },
      unrelatedRevokeStillInOpenFga: true,
    });
  });
});
