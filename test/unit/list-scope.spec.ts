/**
 * The read scope of a list query (RelationScope.forList) and the validation
 * of list queries and options. The graph is a fake with hand-set
 * dependencies; the integration suites (list-objects, the list property)
 * hold the whole read path to OpenFGA.
 */
import { RelationScope } from '../../src/scope/relation-scope';
import { InvalidListOptionsError } from '../../src/list/list-errors';
import { validateListOptions } from '../../src/list/list-options';
import { listedRelation, listObjectsQuery, listUsersQuery, type ListQuery } from '../../src/list/list-query';
import type { RelationDependencies, RelationGraph } from '../../src/model/relation-graph';
import { relationGen, storeKeys } from '../../src/redis/redis-keys';
import { InvalidTupleError } from '../../src/tuple/invalid-tuple.error';

const keys = storeKeys('p', '01HZZZZZZZZZZZZZZZZZZZZZZZ');
const set = (...pairs: string[]) => new Set(pairs);

/** doc#viewer: owner on the doc (local), group#member through a userset (by user), doc#parent's folder viewers (spread). */
const viewer: RelationDependencies = {
  local: set('doc#viewer', 'doc#owner', 'doc#parent'),
  byUser: set('group#member', 'folder#viewer'),
  spread: set('folder#parent'),
  positive: set('doc#viewer', 'doc#owner', 'doc#parent', 'group#member', 'folder#viewer', 'folder#parent'),
  negative: set('doc#blocked'),
  conditional: false,
};
const granting = new Map([['doc#viewer', set('user')]]);
const graph = {
  modelId: '01HMODEL000000000000000000',
  dependencies: (type: string, relation: string) => (type === 'doc' && relation === 'viewer' ? viewer : undefined),
  grantingPairs: () => granting,
} as unknown as RelationGraph;

const listScope = (scope: RelationScope, q: ListQuery) => scope.forList(listedRelation(q));

function scoped(): RelationScope {
  const scope = new RelationScope(keys);
  scope.graph = graph;
  return scope;
}

describe('RelationScope.forList', () => {
  it('listObjects reads the by-object relations whole and the by-user ones for its user (and wildcards, usersets)', () => {
    const s = listScope(scoped(), listObjectsQuery('user:a', 'viewer', 'doc'))!;
    expect(s.graphId).toBe(graph.modelId);
    expect(s.relationKey).toBe(keys.base + relationGen('doc#viewer'));
    expect(s.ranges).toEqual([
      { pair: 'folder#parent', kind: 'a', value: '' },
      { pair: 'doc#viewer', kind: 'a', value: '' },
      { pair: 'doc#owner', kind: 'a', value: '' },
      { pair: 'doc#parent', kind: 'a', value: '' },
      { pair: 'group#member', kind: 'u', value: 'user:a' },
      { pair: 'group#member', kind: 'n', value: '' },
      { pair: 'folder#viewer', kind: 'u', value: 'user:a' },
      { pair: 'folder#viewer', kind: 'n', value: '' },
    ]);
    expect(s.positive).toBe(viewer.positive);
    expect(s.negative).toBe(viewer.negative);
    expect(s.granting).toBe(granting);
  });

  it('listUsers reads the by-object relations for its object and the by-user ones whole', () => {
    const s = listScope(scoped(), listUsersQuery('doc:1', 'viewer', ['user']))!;
    expect(s.ranges).toEqual([
      { pair: 'folder#parent', kind: 'a', value: '' },
      { pair: 'group#member', kind: 'a', value: '' },
      { pair: 'folder#viewer', kind: 'a', value: '' },
      { pair: 'doc#viewer', kind: 'o', value: 'doc:1' },
      { pair: 'doc#owner', kind: 'o', value: 'doc:1' },
      { pair: 'doc#parent', kind: 'o', value: 'doc:1' },
    ]);
  });

  it('has none without a graph or for a relation the model lacks (the store-wide fallback)', () => {
    expect(listScope(new RelationScope(keys), listObjectsQuery('user:a', 'viewer', 'doc'))).toBeUndefined();
    expect(listScope(scoped(), listObjectsQuery('user:a', 'editor', 'doc'))).toBeUndefined();
  });
});

describe('list query and options validation', () => {
  it('parses user filters and names a bad one with the whole filter', () => {
    expect(listUsersQuery('doc:1', 'viewer', ['user', 'group#member'])).toEqual({
      kind: 'users',
      object: 'doc:1',
      relation: 'viewer',
      userFilters: [{ type: 'user' }, { type: 'group', relation: 'member' }],
    });
    expect(() => listUsersQuery('doc:1', 'viewer', ['user', 'group#a b'])).toThrow(
      expect.objectContaining({ field: 'userFilters[1]', value: 'group#a b' }) as Error,
    );
    expect(() => listUsersQuery('doc:1', 'viewer', Array(11).fill('user'))).toThrow(InvalidTupleError);
    expect(() => listObjectsQuery('user:a', 'viewer', 'doc:1')).toThrow(/Invalid type "doc:1": expected a type name/);
  });

  it('accepts the documented options and copies them', () => {
    const contextualTuples = [{ user: 'user:a', relation: 'viewer', object: 'doc:1', condition: { name: 'in_hours', context: { h: 9 } } }];
    expect(validateListOptions({ consistency: 'strong', context: { now: 1 }, contextualTuples })).toEqual({
      consistency: 'strong',
      context: { now: 1 },
      contextualTuples,
    });
    expect(validateListOptions(undefined)).toEqual({});
  });

  it.each([
    ['options', 'strong', 'options'],
    ['an unknown option', { pageSize: 5 }, 'options.pageSize'],
    ['a context that is not an object', { context: 'x' }, 'options.context'],
    ['contextual tuples that are not an array', { contextualTuples: {} }, 'options.contextualTuples'],
    [
      'more than 100 contextual tuples',
      { contextualTuples: Array(101).fill({ user: 'user:a', relation: 'r', object: 'd:1' }) },
      'options.contextualTuples',
    ],
    [
      'a malformed contextual user',
      { contextualTuples: [{ user: 'a', relation: 'r', object: 'd:1' }] },
      'options.contextualTuples[0].user',
    ],
    [
      'an unknown tuple field',
      { contextualTuples: [{ user: 'user:a', relation: 'r', object: 'd:1', x: 1 }] },
      'options.contextualTuples[0].x',
    ],
    [
      'a condition without a name',
      { contextualTuples: [{ user: 'user:a', relation: 'r', object: 'd:1', condition: {} }] },
      'options.contextualTuples[0].condition.name',
    ],
    [
      'a condition context that is not an object',
      { contextualTuples: [{ user: 'user:a', relation: 'r', object: 'd:1', condition: { name: 'c', context: 1 } }] },
      'options.contextualTuples[0].condition.context',
    ],
  ])('refuses %s, naming the field', (_, options, field) => {
    expect(() => validateListOptions(options)).toThrow(InvalidListOptionsError);
    expect(() => validateListOptions(options)).toThrow(expect.objectContaining({ field }) as Error);
  });
});
