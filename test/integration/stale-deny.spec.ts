/**
 * Cached answers follow writes that reach them from elsewhere through the
 * model (docs/design.md §4): a grant through a `user:*` role assignment, a
 * group, a parent folder, or an exclusion lifted, seen at once by another
 * process whose "denied" was cached, before and after the flush. Each case
 * failed before the read path knew the model (the stale denies).
 */
import { join } from 'node:path';
import type { Tuple } from '../../src';
import { serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';
import { createStore, DEFAULT_MODEL } from '../support/harness/store';

const fixture = (name: string) => join(PROJECT_ROOT, 'test', 'fixtures', name);
const t = (user: string, relation: string, object: string): Tuple => ({ user, relation, object });

describe('no stale deny through derived relations', () => {
  const opened: OpenService[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  /** A writer and a reader process on a fresh store of `model`, with `seed` already written and flushed. */
  async function setup(model: string, seed: Tuple[]) {
    const store = await createStore(serverEnv().apiUrl, `stale-deny-${Date.now()}`, model);
    const options = testOptions(store);
    const writer = openService(options);
    const reader = openService({ ...options });
    opened.push(writer, reader);
    if (seed.length) await writer.service.grantMany(seed);
    await writer.service.flush();
    return { writer, reader };
  }

  /** Caches "denied", writes, and expects "allowed" from the reader before and after the flush. */
  async function expectGrantSeen(s: Awaited<ReturnType<typeof setup>>, check: Tuple, grant: Tuple) {
    expect(await s.reader.service.check(check.user, check.relation, check.object)).toBe(false);
    expect(await s.reader.service.check(check.user, check.relation, check.object)).toBe(false); // cached
    await s.writer.service.grant(grant.user, grant.relation, grant.object);
    expect(await s.reader.service.check(check.user, check.relation, check.object)).toBe(true);
    await s.writer.service.flush();
    expect(await s.reader.service.check(check.user, check.relation, check.object)).toBe(true);
  }

  it('the role-assignments example: a `user:*` assignee of a role reaches every project with that role', async () => {
    const s = await setup(fixture('role-assignments.fga'), [t('role:project-admin', 'role', 'project:java-sdk')]);
    await expectGrantSeen(s, t('user:bob', 'can_view', 'project:java-sdk'), t('user:*', 'assignee', 'role:project-admin'));
  });

  it('a group given access to a folder reaches its members on the documents below it', async () => {
    const s = await setup(DEFAULT_MODEL, [t('user:bob', 'member', 'group:eng'), t('folder:f', 'parent', 'document:1')]);
    await expectGrantSeen(s, t('user:bob', 'viewer', 'document:1'), t('group:eng#member', 'viewer', 'folder:f'));
  });

  it('a folder moved under a shared folder reaches every document below it', async () => {
    const s = await setup(DEFAULT_MODEL, [t('user:bob', 'viewer', 'folder:shared'), t('folder:f', 'parent', 'document:1')]);
    await expectGrantSeen(s, t('user:bob', 'viewer', 'document:1'), t('folder:shared', 'parent', 'folder:f'));
  });

  it('a nested group joining a group reaches the nested members', async () => {
    const s = await setup(DEFAULT_MODEL, [t('user:bob', 'member', 'group:inner'), t('group:outer#member', 'viewer', 'document:1')]);
    await expectGrantSeen(s, t('user:bob', 'viewer', 'document:1'), t('group:inner#member', 'member', 'group:outer'));
  });

  it('an intersection completed through a team', async () => {
    const s = await setup(fixture('intersection.fga'), [t('user:bob', 'allowed', 'doc:1'), t('user:bob', 'member', 'team:t')]);
    await expectGrantSeen(s, t('user:bob', 'viewer', 'doc:1'), t('team:t#member', 'approved', 'doc:1'));
  });

  it('an exclusion lifted through a team: the revoke of its ban is written before the "denied" is trusted', async () => {
    const s = await setup(fixture('intersection.fga'), [
      t('user:bob', 'approved', 'doc:1'),
      t('user:bob', 'member', 'team:t'),
      t('team:t#member', 'banned', 'doc:1'),
    ]);
    expect(await s.reader.service.check('user:bob', 'editor', 'doc:1')).toBe(false);
    await s.writer.service.revoke('team:t#member', 'banned', 'doc:1');
    expect(await s.reader.service.check('user:bob', 'editor', 'doc:1')).toBe(true);
  });

  it('a grant that reaches nobody else leaves unrelated cached answers in place', async () => {
    const s = await setup(DEFAULT_MODEL, [t('user:bob', 'viewer', 'folder:f')]);
    expect(await s.reader.service.check('user:bob', 'viewer', 'folder:f')).toBe(true);
    const sources: string[] = [];
    s.reader.service.events.on('checked', ({ source }) => sources.push(source));
    await s.writer.service.grant('user:carl', 'owner', 'document:9');
    expect(await s.reader.service.check('user:bob', 'viewer', 'folder:f')).toBe(true);
    expect(sources).toEqual(['cache']);
  });
});
