/**
 * RelationScope turns the relation graph into the keys a write bumps and the
 * index ranges a check reads (docs/design.md §4). The graph here is a fake
 * with hand-set dependencies; test/unit/relation-graph.spec.ts and the
 * integration suites hold the real graph to OpenFGA.
 */
import { RelationScope } from '../../src/scope/relation-scope';
import type { RelationDependencies, RelationGraph } from '../../src/model/relation-graph';
import { objectGen, storeKeys, userGen } from '../../src/redis/redis-keys';

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

const graph = {
  modelId: '01HMODEL000000000000000000',
  dependencies: (type: string, relation: string) => (type === 'doc' && relation === 'viewer' ? viewer : undefined),
  affectedBeyond: (pair: string) =>
    ({
      'doc#owner': { always: [], sharedUser: [] },
      'group#member': { always: [], sharedUser: ['doc#viewer'] },
      'folder#parent': { always: ['doc#viewer'], sharedUser: [] },
    })[pair],
} as unknown as RelationGraph;

describe('RelationScope', () => {
  it('without a graph every write is store-wide and checks have no read scope', () => {
    const scope = new RelationScope(keys);
    const w = scope.forWrite([{ user: 'user:a', relation: 'owner', object: 'doc:1' }]);
    expect(w).toEqual({ graphId: '', keys: new Set([keys.base + objectGen('doc:1'), keys.base + userGen('user:a')]), storeWide: true });
    expect(scope.forRead({ user: 'user:a', relation: 'viewer', object: 'doc:1' })).toBeUndefined();
  });

  it('a write bumps its object and user, plus the relations it reaches beyond them', () => {
    const scope = new RelationScope(keys);
    scope.graph = graph;
    const base = (o: string, u: string) => [keys.base + objectGen(o), keys.base + userGen(u)];
    expect(scope.forWrite([{ user: 'user:a', relation: 'owner', object: 'doc:1' }])).toEqual({
      graphId: graph.modelId,
      keys: new Set(base('doc:1', 'user:a')),
      storeWide: false,
    });
    // A plain member reaches only their own answers (their user bucket); a userset member reaches others'.
    expect(scope.forWrite([{ user: 'user:a', relation: 'member', object: 'group:g' }]).keys).toEqual(new Set(base('group:g', 'user:a')));
    expect(scope.forWrite([{ user: 'group:h#member', relation: 'member', object: 'group:g' }]).keys).toEqual(
      new Set([...base('group:g', 'group:h#member'), `${keys.base}x:doc#viewer`]),
    );
    expect(scope.forWrite([{ user: 'user:*', relation: 'member', object: 'group:g' }]).keys).toEqual(
      new Set([...base('group:g', 'user:*'), `${keys.base}x:doc#viewer`]),
    );
    expect(scope.forWrite([{ user: 'folder:a', relation: 'parent', object: 'folder:b' }]).keys).toEqual(
      new Set([...base('folder:b', 'folder:a'), `${keys.base}x:doc#viewer`]),
    );
    // A relation the model lacks cannot be scoped.
    expect(scope.forWrite([{ user: 'user:a', relation: 'nope', object: 'doc:1' }]).storeWide).toBe(true);
  });

  it('a check reads its own object, its own user, wildcard/userset entries, and spread pairs whole', () => {
    const scope = new RelationScope(keys);
    scope.graph = graph;
    const read = scope.forRead({ user: 'user:a', relation: 'viewer', object: 'doc:1' })!;
    expect(read.relationKey).toBe(`${keys.base}x:doc#viewer`);
    expect(read.ranges).toEqual([
      { pair: 'folder#parent', kind: 'a', value: '' },
      { pair: 'doc#viewer', kind: 'o', value: 'doc:1' },
      { pair: 'doc#owner', kind: 'o', value: 'doc:1' },
      { pair: 'doc#parent', kind: 'o', value: 'doc:1' },
      { pair: 'group#member', kind: 'u', value: 'user:a' },
      { pair: 'group#member', kind: 'n', value: '' },
      { pair: 'folder#viewer', kind: 'u', value: 'user:a' },
      { pair: 'folder#viewer', kind: 'n', value: '' },
    ]);
    expect(read.negative).toEqual(set('doc#blocked'));
    expect(scope.forRead({ user: 'user:a', relation: 'unknown', object: 'doc:1' })).toBeUndefined();
  });
});
