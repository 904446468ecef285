/**
 * Derived relations on the real servers (docs/design.md §3): pending grants reach
 * OpenFGA's check as contextual tuples, so relations derived from them are
 * seen before any flush; pending revokes are flushed before an "allowed"
 * is trusted; discarded grants no longer allow.
 */
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples } from '../support/state/fga-state';
import { openService, OpenService } from '../support/harness/service';

describe('derived relations before a flush', () => {
  let open: OpenService;
  let other: OpenService;
  beforeEach(async () => {
    const options = testOptions(await freshStore('derived'));
    open = openService(options);
    other = openService({ ...options });
  });
  afterEach(async () => {
    await open.close();
    await other.close();
  });

  it('an owner grant is seen as viewer and editor at once, from any process', async () => {
    expect(await other.service.check('user:a', 'viewer', 'document:1')).toBe(false);
    await open.service.grant('user:a', 'owner', 'document:1');
    expect(await other.service.check('user:a', 'viewer', 'document:1')).toBe(true);
    expect(await other.service.check('user:a', 'editor', 'document:1')).toBe(true);
    expect(await readAllTuples(open.core.options.storeId)).toEqual([]); // nothing flushed
  });

  it('group membership and parent folders pending together derive access', async () => {
    await open.service.grantMany([
      { user: 'user:a', relation: 'member', object: 'group:eng' },
      { user: 'group:eng#member', relation: 'editor', object: 'folder:f' },
      { user: 'folder:f', relation: 'parent', object: 'document:1' },
    ]);
    expect(await other.service.check('user:a', 'viewer', 'document:1')).toBe(true);
    expect(await other.service.check('user:b', 'viewer', 'document:1')).toBe(false);
  });

  it('a revoke of the middle link denies again, before and after the flush', async () => {
    await open.service.grantMany([
      { user: 'user:a', relation: 'member', object: 'group:eng' },
      { user: 'group:eng#member', relation: 'viewer', object: 'folder:f' },
      { user: 'folder:f', relation: 'parent', object: 'document:1' },
    ]);
    expect(await other.service.check('user:a', 'viewer', 'document:1')).toBe(true);
    await open.service.flush();
    expect(await other.service.check('user:a', 'viewer', 'document:1')).toBe(true); // now cached from OpenFGA
    await open.service.revoke('group:eng#member', 'viewer', 'folder:f');
    expect(await other.service.check('user:a', 'viewer', 'document:1')).toBe(false);
    await open.service.flush();
    expect(await other.service.check('user:a', 'viewer', 'document:1')).toBe(false);
  });

  it('cleared grants no longer allow, also not from the cache', async () => {
    await open.service.grant('user:a', 'owner', 'document:1');
    expect(await other.service.check('user:a', 'viewer', 'document:1')).toBe(true);
    expect(await open.service.clear()).toBe(1);
    expect(await other.service.check('user:a', 'viewer', 'document:1')).toBe(false);
  });

  it('a pending poison grant does not break checks: it is dead-lettered and the check answers', async () => {
    // `parent: [folder]`: OpenFGA rejects a user as parent, also as a contextual tuple of a document#viewer check.
    // The service refuses both poisons in the call now; buffered directly, they stand for writes checked
    // against a model that changed before their flush.
    const { buffer, options } = open.core;
    await buffer.enqueue([{ kind: 'grant', user: 'user:a', relation: 'parent', object: 'document:1' }], options.authorizationModelId);
    await open.service.grant('user:b', 'viewer', 'document:1');
    // No part of any answer: never sent.
    await buffer.enqueue(
      [{ kind: 'grant', user: 'user:a', relation: 'no_such_relation', object: 'document:1' }],
      options.authorizationModelId,
    );
    expect(await other.service.check('user:c', 'viewer', 'document:1')).toBe(false);
    expect((await open.service.getDeadLetters()).map((d) => d.operation.key)).toEqual(['user:a parent document:1']);
    expect(await other.service.check('user:b', 'viewer', 'document:1')).toBe(true);
    expect((await open.service.getPendingOperations()).map((o) => o.key)).toEqual(['user:a no_such_relation document:1']);
  });

  it('more relevant pending grants than fit as contextual tuples are written before asking OpenFGA, and only those', async () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ user: `user:u${i}`, relation: 'owner', object: 'document:shared' }));
    await open.service.grantMany(many);
    await open.service.grant('user:u1', 'owner', 'document:other'); // another object: stays pending
    expect(await other.service.check('user:u149', 'viewer', 'document:shared')).toBe(true);
    expect((await open.service.getPendingOperations()).map((o) => o.key)).toEqual(['user:u1 owner document:other']);
  });
});
