/**
 * The relation graph on the fixture models (docs/design.md §4). The
 * integration suites hold it to OpenFGA itself; here, the expected sets by hand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformer } from '@openfga/syntax-transformer';
import { AuthorizationModelDocument, InvalidModelError, mayChange, RelationGraph } from '../../src/model';

const fixture = (name: string) => join(__dirname, '..', 'fixtures', name);
const compile = (dsl: string) =>
  RelationGraph.compile({ id: 'm', ...(transformer.transformDSLToJSONObject(dsl) as Omit<AuthorizationModelDocument, 'id'>) });
const sorted = (s: ReadonlySet<string> | undefined) => [...(s ?? [])].sort();

describe('RelationGraph', () => {
  const docs = compile(readFileSync(fixture('model.fga'), 'utf8'));

  it('names the pairs whose plain grant alone adds its object to a listObjects: through `or` and computed relations only', () => {
    const granting = (g: RelationGraph, type: string, relation: string) =>
      Object.fromEntries([...g.grantingPairs(type, relation)].map(([pair, types]) => [pair, sorted(types)]));
    // viewer: [user, user:*, group#member] or editor or viewer from parent; editor: [user, group#member] or owner or ...
    expect(granting(docs, 'document', 'viewer')).toEqual({
      'document#viewer': ['user'],
      'document#editor': ['user'],
      'document#owner': ['user'],
    });
    // Never the parent link, a tupleset: its tuple adds the folder's viewers, not its "user".
    expect(granting(docs, 'document', 'parent')).toEqual({});
    const g = compile(`model
  schema 1.1
type user
type team
  relations
    define member: [user]
type doc
  relations
    define parent: [doc]
    define blocked: [user]
    define approved: [user]
    define timed: [user with fresh]
    define mixed: [user, user with fresh, team#member]
    define author: [user]
    define gated: [user] and approved
    define open: [user] but not blocked
    define nested: [user] or nested from parent
    define viewer: author or mixed or timed or gated or open or nested
    define self_exclusion: [user] but not self_exclusion_base
    define self_exclusion_base: [user] or author
    define tricky: author or (approved but not author)
    define linked: [user, doc]
    define reader: linked or approved from linked
condition fresh(x: int) {
  x < 10
}`);
    expect(granting(g, 'doc', 'viewer')).toEqual({
      // `author` and the plain side of `mixed` grant on their own.
      'doc#author': ['user'],
      'doc#mixed': ['user'],
      // Not: `timed` (conditional only), `gated` (an `and`), `open` (a `but not` base), `nested` (also read
      // through the parent link, so a grant there adds other docs too).
    });
    // A `but not` base: not even its own direct tuples grant on their own.
    expect(granting(g, 'doc', 'self_exclusion')).toEqual({});
    expect(granting(g, 'doc', 'self_exclusion_base')).toEqual({ 'doc#self_exclusion_base': ['user'], 'doc#author': ['user'] });
    // `author` grants through the `or`, but is also subtracted: a grant there may take access away.
    expect(granting(g, 'doc', 'tricky')).toEqual({});
    // `linked` is also a tupleset: a tuple there with another "user" (a doc) reaches that doc's approvers.
    expect(granting(g, 'doc', 'reader')).toEqual({});
    // The same answer twice: computed once per relation.
    expect(g.grantingPairs('doc', 'viewer')).toBe(g.grantingPairs('doc', 'viewer'));
    expect(granting(g, 'doc', 'missing')).toEqual({});
  });

  it('splits what document#viewer depends on by how far a tuple reaches', () => {
    const d = docs.dependencies('document', 'viewer')!;
    expect(sorted(d.local)).toEqual(['document#editor', 'document#owner', 'document#parent', 'document#viewer']);
    // Through group#member usersets and the parent folder: read as the checked user's own tuples.
    expect(sorted(d.byUser)).toEqual(['folder#editor', 'folder#owner', 'folder#viewer', 'group#member']);
    // The folder's own parent links reach any user's answers on documents below it.
    expect(sorted(d.spread)).toEqual(['folder#parent']);
    expect(sorted(d.negative)).toEqual([]);
  });

  it('names the tupleset edges along which the objects of the spread pairs are found', () => {
    // The drive model: group#member usersets lead only to groups, which hold no spread pair.
    const d = docs.dependencies('document', 'viewer')!;
    expect(Object.fromEntries(d.tuplesets ?? [])).toEqual({ document: ['parent'], folder: ['parent'] });
    // A userset type that leads to objects with a tuple-to-userset: the objects reached depend on usersets too.
    const teams = compile(`model
  schema 1.1
type user
type org
  relations
    define member: [user]
type team
  relations
    define org: [org]
    define member: [user] or member from org
type document
  relations
    define viewer: [user, team#member]
`);
    expect(sorted(teams.dependencies('document', 'viewer')!.spread)).toEqual(['team#org']);
    expect(teams.dependencies('document', 'viewer')!.tuplesets).toBeUndefined();
    expect(Object.fromEntries(teams.dependencies('team', 'member')!.tuplesets ?? [])).toEqual({ team: ['org'] });
  });

  it('names the relations a write reaches beyond its own object and user', () => {
    expect(docs.affectedBeyond('folder#parent')?.always).toEqual(
      expect.arrayContaining(['document#viewer', 'document#editor', 'folder#viewer']),
    );
    expect(docs.affectedBeyond('group#member')?.sharedUser).toEqual(expect.arrayContaining(['document#viewer', 'group#member']));
    expect(docs.affectedBeyond('document#owner')).toEqual({ always: [], sharedUser: [] });
    expect(docs.affectedBeyond('document#nope')).toBeUndefined();
    expect(docs.dependencies('document', 'nope')).toBeUndefined();
  });

  it('marks the subtracted side of `but not` negative', () => {
    const g = compile(readFileSync(fixture('exclusion.fga'), 'utf8'));
    const d = g.dependencies('document', 'viewer')!;
    expect(sorted(d.positive)).toEqual(['document#viewer']);
    expect(sorted(d.negative)).toEqual(['document#blocked']);
  });

  it('follows a wildcard on a role through a tuple-to-userset, as the role-assignments sample does', () => {
    const g = compile(`model
  schema 1.1
type user
type role
  relations
    define assignee: [user, user:*]
type project
  relations
    define role: [role]
    define can_view: assignee from role
`);
    const d = g.dependencies('project', 'can_view')!;
    expect(sorted(d.local)).toEqual(['project#role']);
    expect(sorted(d.byUser)).toEqual(['role#assignee']);
    const checked = { user: 'user:bob', relation: 'can_view', object: 'project:java-sdk' };
    expect(mayChange(d, checked, { user: 'user:*', relation: 'assignee', object: 'role:admin' })).toBe(true);
    expect(mayChange(d, checked, { user: 'user:anne', relation: 'assignee', object: 'role:admin' })).toBe(false);
    expect(mayChange(d, checked, { user: 'role:admin', relation: 'role', object: 'project:java-sdk' })).toBe(true);
    expect(mayChange(d, checked, { user: 'role:admin', relation: 'role', object: 'project:other' })).toBe(false);
    expect(g.affectedBeyond('role#assignee')).toEqual({ always: [], sharedUser: ['project#can_view'] });
  });

  it('rejects a malformed model, naming the field', () => {
    expect(() => RelationGraph.compile({ id: '', type_definitions: [] })).toThrow(InvalidModelError);
    expect(() => RelationGraph.compile({ id: 'm', type_definitions: 'x' } as never)).toThrow(/type_definitions must be an array/);
    expect(() => RelationGraph.compile({ id: 'm', type_definitions: [{ type: 7 }] } as never)).toThrow(/type_definitions\[0\]\.type/);
  });
});
