/**
 * No stale "denied" (issue 13, docs/design.md §2 invariant 5): once a grant or
 * revoke resolves, no check answers from state older than it — also when the
 * write gives access through another object or user (a `user:*` wildcard, a
 * tuple-to-userset such as `can_view_project from role`, a nested group, the
 * other side of an `and`, a revoked `but not` exclusion). Each case warms the
 * "denied" in a second process first, so a cached answer that outlives the
 * write is caught, and asks again before and after the flush, from a third
 * process, and with the cache off (OpenFGA with the pending grants).
 *
 * Each case collects every answer and compares them all at once, so a failure
 * shows which of them was stale.
 */
import { OpenFgaClient } from '@openfga/sdk';
import { join } from 'node:path';
import type { Tuple } from '../../src';
import { serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';
import { createStore, DEFAULT_MODEL, TestStore } from '../support/harness/store';

const fixture = (name: string) => join(PROJECT_ROOT, 'test', 'fixtures', name);

interface Case {
  /** The model (a file under test/fixtures). */
  model: string;
  /** Tuples already flushed to OpenFGA (through the module) before the check is warmed. */
  before: Tuple[];
  /** What the case asks: "denied" before the write, "allowed" after it. */
  check: Tuple;
  /** The write that gives access through another object or user. */
  write: { kind: 'grant' | 'revoke'; tuple: Tuple };
}

describe('no stale "denied" after a write that gives access through another object or user', () => {
  const open: OpenService[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function run({ model, before, check, write }: Case) {
    const store: TestStore = await createStore(serverEnv().apiUrl, `stale-deny-${Date.now()}`, model);
    const options = testOptions(store);
    // The writer and the reader are two "processes" sharing Redis; `other` is a third one; `uncached` reads
    // the same buffer with the cache off (OpenFGA with the pending grants, every time).
    const [writer, reader, other, uncached] = [
      openService(options),
      openService({ ...options }),
      openService({ ...options }),
      openService({ ...options, cache: false }),
    ];
    open.push(writer, reader, other, uncached);
    const ask = (s: OpenService) => s.service.check(check.user, check.relation, check.object);
    const openfga = async () =>
      (
        await new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId }).check(check, {
          authorizationModelId: store.modelId,
          consistency: 'HIGHER_CONSISTENCY' as never,
        })
      ).allowed === true;

    if (before.length) await writer.service.grantMany(before);
    await writer.service.flush();
    // Warm the "denied" in the reader: asked twice, the second answer comes from the cache.
    const warm = [await ask(reader), await ask(reader)];

    await writer.service[write.kind](write.tuple.user, write.tuple.relation, write.tuple.object);
    const beforeFlush = await ask(reader);
    const beforeFlushAgain = await ask(reader);
    const beforeFlushUncached = await ask(uncached);
    const flushed = await writer.service.flush();
    const afterFlush = await ask(reader);
    const afterFlushAgain = await ask(reader);
    const afterFlushOtherProcess = await ask(other);
    const afterFlushUncached = await ask(uncached);

    expect(flushed).toMatchObject({ failed: 0, deadLettered: 0 });
    const answers = {
      warm,
      beforeFlush,
      beforeFlushAgain,
      beforeFlushUncached,
      afterFlush,
      afterFlushAgain,
      afterFlushOtherProcess,
      afterFlushUncached,
      openfga: await openfga(),
    };
    expect(answers).toEqual({
      warm: [false, false],
      beforeFlush: true,
      beforeFlushAgain: true,
      beforeFlushUncached: true,
      afterFlush: true,
      afterFlushAgain: true,
      afterFlushOtherProcess: true,
      afterFlushUncached: true,
      openfga: true,
    });
  }

  it("role assignments (the issue's example): grant('user:*', 'can_view_project', 'role:project-admin') lets user:bob view project:java-sdk", () =>
    run({
      model: fixture('role-assignments-sample.fga'),
      before: [{ user: 'role:project-admin', relation: 'role', object: 'project:java-sdk' }],
      check: { user: 'user:bob', relation: 'can_view', object: 'project:java-sdk' },
      write: { kind: 'grant', tuple: { user: 'user:*', relation: 'can_view_project', object: 'role:project-admin' } },
    }));

  it('role assignments: assigning bob to a role that already may view the project (tuple-to-userset)', () =>
    run({
      model: fixture('role-assignments-sample.fga'),
      before: [
        { user: 'role:project-admin', relation: 'role', object: 'project:java-sdk' },
        { user: 'user:anne', relation: 'can_view_project', object: 'role:project-admin' },
      ],
      check: { user: 'user:bob', relation: 'can_view', object: 'project:java-sdk' },
      write: { kind: 'grant', tuple: { user: 'user:bob', relation: 'assignee', object: 'role:project-admin' } },
    }));

  it('role assignments: everyone (`user:*`) becomes assignee of a role of the project', () =>
    run({
      model: fixture('role-assignments-sample.fga'),
      before: [{ user: 'role:reader', relation: 'role', object: 'project:java-sdk' }],
      check: { user: 'user:bob', relation: 'can_view', object: 'project:java-sdk' },
      write: { kind: 'grant', tuple: { user: 'user:*', relation: 'assignee', object: 'role:reader' } },
    }));

  it('control, through the checked object itself: giving the project a role bob holds', () =>
    run({
      model: fixture('role-assignments-sample.fga'),
      before: [{ user: 'user:bob', relation: 'assignee', object: 'role:reader' }],
      check: { user: 'user:bob', relation: 'can_view', object: 'project:java-sdk' },
      write: { kind: 'grant', tuple: { user: 'role:reader', relation: 'role', object: 'project:java-sdk' } },
    }));

  it("nested groups: nesting bob's group into the group that may view the document", () =>
    run({
      model: fixture('nested-groups.fga'),
      before: [
        { user: 'user:bob', relation: 'member', object: 'group:eng' },
        { user: 'group:staff#member', relation: 'viewer', object: 'document:1' },
      ],
      check: { user: 'user:bob', relation: 'viewer', object: 'document:1' },
      write: { kind: 'grant', tuple: { user: 'group:eng#member', relation: 'member', object: 'group:staff' } },
    }));

  it('nested groups: a `user:*` member of the group that may view the document', () =>
    run({
      model: fixture('nested-groups.fga'),
      before: [{ user: 'group:everyone#member', relation: 'viewer', object: 'document:1' }],
      check: { user: 'user:bob', relation: 'viewer', object: 'document:1' },
      write: { kind: 'grant', tuple: { user: 'user:*', relation: 'member', object: 'group:everyone' } },
    }));

  it('parent folders (tuple-to-userset, two hops): hanging the folder under one bob may view', () =>
    run({
      model: DEFAULT_MODEL,
      before: [
        { user: 'user:bob', relation: 'viewer', object: 'folder:root' },
        { user: 'folder:projects', relation: 'parent', object: 'document:1' },
      ],
      check: { user: 'user:bob', relation: 'viewer', object: 'document:1' },
      write: { kind: 'grant', tuple: { user: 'folder:root', relation: 'parent', object: 'folder:projects' } },
    }));

  it("intersection: the organization admits bob's team, completing `allowed and member from org`", () =>
    run({
      model: fixture('intersection-org.fga'),
      before: [
        { user: 'organization:acme', relation: 'org', object: 'document:1' },
        { user: 'user:bob', relation: 'allowed', object: 'document:1' },
        { user: 'user:bob', relation: 'member', object: 'team:core' },
      ],
      check: { user: 'user:bob', relation: 'viewer', object: 'document:1' },
      write: { kind: 'grant', tuple: { user: 'team:core#member', relation: 'member', object: 'organization:acme' } },
    }));

  it("exclusion: revoking the nesting of bob's group into the blocked group lifts `but not blocked`", () =>
    run({
      model: fixture('exclusion-groups.fga'),
      before: [
        { user: 'user:*', relation: 'viewer', object: 'document:1' },
        { user: 'group:contractors#member', relation: 'blocked', object: 'document:1' },
        { user: 'group:eng#member', relation: 'member', object: 'group:contractors' },
        { user: 'user:bob', relation: 'member', object: 'group:eng' },
      ],
      check: { user: 'user:bob', relation: 'viewer', object: 'document:1' },
      write: { kind: 'revoke', tuple: { user: 'group:eng#member', relation: 'member', object: 'group:contractors' } },
    }));
});
