import type { IndexRange, ReadScope, RelationScope } from '../cache/relation-scope';
import type { RelationDependencies } from '../model/relation-graph';
import { typeOf } from '../model/relation-graph';
import { relationGen, type StoreKeys } from '../redis/redis-keys';
import type { Tuple } from '../tuple/tuple';
import type { ListQuery } from './list-query';

/**
 * The read scope of a list query: every outstanding op on the pairs the
 * queried `type#relation` depends on (all reaches), narrowed where the query
 * fixes a side. listObjects fixes the user, so the pairs read by user need
 * only that user's ops (and the wildcard/userset ones), as a check's do;
 * every object varies, so the pairs read by object are read whole.
 * listUsers fixes the object: its pairs read by object need only that
 * object's ops; users vary, so the by-user pairs are read whole.
 * Undefined without a graph or for a relation the model lacks.
 */
export function listScope(scope: RelationScope, keys: StoreKeys, q: ListQuery): ReadScope | undefined {
  const graph = scope.graph;
  const type = q.kind === 'objects' ? q.type : typeOf(q.object);
  const deps = graph?.dependencies(type, q.relation);
  if (!graph || !deps) return undefined;
  return {
    graphId: graph.modelId,
    relationKey: keys.base + relationGen(`${type}#${q.relation}`),
    ranges: q.kind === 'objects' ? objectsRanges(deps, q.user) : usersRanges(deps, q.object),
    positive: deps.positive,
    negative: deps.negative,
    conditional: deps.conditional,
  };
}

function objectsRanges(deps: RelationDependencies, user: string): IndexRange[] {
  const ranges: IndexRange[] = [];
  for (const pair of new Set([...deps.spread, ...deps.local])) ranges.push({ pair, kind: 'a', value: '' });
  for (const pair of deps.byUser) {
    if (deps.spread.has(pair) || deps.local.has(pair)) continue;
    ranges.push({ pair, kind: 'u', value: user }, { pair, kind: 'n', value: '' });
  }
  return ranges;
}

function usersRanges(deps: RelationDependencies, object: string): IndexRange[] {
  const ranges: IndexRange[] = [];
  for (const pair of new Set([...deps.spread, ...deps.byUser])) ranges.push({ pair, kind: 'a', value: '' });
  for (const pair of deps.local) if (!deps.spread.has(pair) && !deps.byUser.has(pair)) ranges.push({ pair, kind: 'o', value: object });
  return ranges;
}

/** The tuple whose generations the snapshot reads (unused by lists: nothing is cached), for `CheckCache.lookup`. */
export function probeTuple(q: ListQuery): Tuple {
  return q.kind === 'objects'
    ? { user: q.user, relation: q.relation, object: `${q.type}:` }
    : { user: `${typeOf(q.object)}:`, relation: q.relation, object: q.object };
}
