/**
 * What a relevant pending op does to a list (src/list/list-effect.ts): the
 * item a plain grant adds, nothing, or "unknown here" (the list then sends or
 * writes it, as before). The list property test holds the whole path to
 * OpenFGA; here, each case by hand.
 */
import { effectOnList, type ListedOp } from '../../src/list/list-effect';
import { listObjectsQuery, listUsersQuery } from '../../src/list/list-query';

// doc#viewer: [user] or editor; editor: [user]; both grant viewer on their own object.
const granting = new Map([
  ['doc#viewer', new Set(['user'])],
  ['doc#editor', new Set(['user'])],
]);
const op = (kind: 'grant' | 'revoke', user: string, relation: string, object: string, condition?: unknown): ListedOp => ({
  kind,
  tuple: { user, relation, object },
  ...(condition ? { condition } : {}),
});

describe('effectOnList', () => {
  it("listObjects of a plain user: its own plain grants add their objects; other users' plain tuples change nothing", () => {
    const effect = effectOnList(listObjectsQuery('user:a', 'viewer', 'doc'), granting);
    expect(effect(op('grant', 'user:a', 'viewer', 'doc:1'))).toBe('doc:1');
    expect(effect(op('grant', 'user:a', 'editor', 'doc:2'))).toBe('doc:2');
    expect(effect(op('grant', 'user:b', 'viewer', 'doc:1'))).toBeNull();
    expect(effect(op('revoke', 'user:b', 'viewer', 'doc:1'))).toBeNull();
  });

  it('listObjects: anything else is unknown here (sent as a contextual tuple or written first)', () => {
    const effect = effectOnList(listObjectsQuery('user:a', 'viewer', 'doc'), granting);
    expect(effect(op('revoke', 'user:a', 'viewer', 'doc:1'))).toBeUndefined();
    expect(effect(op('grant', 'user:*', 'viewer', 'doc:1'))).toBeUndefined();
    expect(effect(op('grant', 'group:g#member', 'viewer', 'doc:1'))).toBeUndefined();
    expect(effect(op('grant', 'user:a', 'viewer', 'doc:1', { name: 'fresh' }))).toBeUndefined();
    expect(effect(op('grant', 'user:a', 'member', 'group:g'))).toBeUndefined();
    expect(effect(op('grant', 'folder:f', 'parent', 'doc:1'))).toBeUndefined();
    // A user type the relation does not take plainly: OpenFGA would refuse it; not the module's to add.
    expect(effectOnList(listObjectsQuery('bot:a', 'viewer', 'doc'), granting)(op('grant', 'bot:a', 'viewer', 'doc:1'))).toBeUndefined();
    // A userset or wildcard listed: never.
    expect(
      effectOnList(listObjectsQuery('group:g#member', 'viewer', 'doc'), granting)(op('grant', 'user:b', 'viewer', 'doc:1')),
    ).toBeUndefined();
    expect(effectOnList(listObjectsQuery('user:a', 'viewer', 'doc'), undefined)(op('grant', 'user:a', 'viewer', 'doc:1'))).toBeUndefined();
  });

  it("listUsers: the object's plain grants to a listed type add their users; other objects and types change nothing", () => {
    const effect = effectOnList(listUsersQuery('doc:1', 'viewer', ['user', 'group#member']), granting);
    expect(effect(op('grant', 'user:a', 'viewer', 'doc:1'))).toBe('user:a');
    expect(effect(op('grant', 'user:b', 'editor', 'doc:1'))).toBe('user:b');
    expect(effect(op('grant', 'user:a', 'viewer', 'doc:2'))).toBeNull();
    expect(effect(op('revoke', 'user:a', 'viewer', 'doc:2'))).toBeNull();
    expect(effect(op('revoke', 'user:a', 'viewer', 'doc:1'))).toBeUndefined();
    expect(effect(op('grant', 'user:*', 'viewer', 'doc:1'))).toBeUndefined();
    // Only usersets listed: a plain user's tuple is not in this list.
    const usersets = effectOnList(listUsersQuery('doc:1', 'viewer', ['group#member']), granting);
    expect(usersets(op('grant', 'user:a', 'viewer', 'doc:1'))).toBeNull();
    expect(usersets(op('revoke', 'user:a', 'viewer', 'doc:1'))).toBeNull();
  });
});
