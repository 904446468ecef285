import { isPlainUser, pairOf, type RelationDependencies, type RelationGraph, typeOf } from '../model/relation-graph';
import { objectGen, relationGen, StoreKeys, userGen } from '../redis/redis-keys';
import type { Tuple } from '../tuple/tuple';

/** A range of a pair's outstanding-op index (see buffer/lua/includes/outstandingIndex.lua). */
export interface IndexRange {
  pair: string;
  /** `o`: ops on the object `value`; `u`: ops of the user `value`; `n`: ops of wildcard and userset users; `a`: every op. */
  kind: 'o' | 'u' | 'n' | 'a';
  value: string;
}

/** What a check of one tuple depends on, by the relation graph. */
export interface ReadScope {
  graphId: string;
  /** The generation key of the checked relation (bumped by writes that reach it from elsewhere). */
  relationKey: string;
  /** Where the outstanding ops that may change the answer are. */
  ranges: IndexRange[];
  /** Pairs where a revoke may take the access away (its op must be written before an "allowed" is trusted). */
  positive: ReadonlySet<string>;
  /** Pairs where a revoke may give access (through `but not`: written before a "denied" is trusted). */
  negative: ReadonlySet<string>;
  /** The relation reads conditional tuples: its answers may depend on time or context and are never cached. */
  conditional: boolean;
  /**
   * Where the objects of its spread pairs are found, when the query fixes an object and the model
   * reaches other objects through tuple-to-usersets only: along the tupleset relations of each type
   * from `from` (see read/path-reach.ts). The pairs' ranges read every object until a read narrows them.
   */
  reach?: { from: string; tuplesets: ReadonlyMap<string, readonly string[]>; pairs: ReadonlySet<string> };
  /**
   * Lists only: the pairs where a plain tuple relates exactly its user to its object and reaches no
   * other answer of the list, by the user types each takes plainly (RelationGraph.grantingPairs).
   */
  granting?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The generation keys a write may change, and whether it must also bump the store's epoch. */
export interface WriteScope {
  graphId: string;
  keys: Set<string>;
  storeWide: boolean;
}

/** A write of no tuple the graph knows, or from a process without a graph. */
const NO_GRAPH = '';

/**
 * Turns the model's relation graph into Redis keys: which generations a
 * write bumps (its object's and user's buckets, plus the relations it
 * reaches beyond them) and which index ranges a check reads. Without a graph
 * (the model could not be read) every write is store-wide, as before the
 * graph existed. The graph is swapped in whole when the model changes.
 */
export class RelationScope {
  private current?: RelationGraph;

  constructor(private readonly keys: StoreKeys) {}

  get graph(): RelationGraph | undefined {
    return this.current;
  }

  set graph(graph: RelationGraph | undefined) {
    this.current = graph;
  }

  forWrite(ops: readonly Tuple[]): WriteScope {
    const k = this.keys;
    const graph = this.current;
    const keys = new Set<string>();
    let storeWide = graph === undefined;
    for (const op of ops) {
      keys.add(k.base + objectGen(op.object)).add(k.base + userGen(op.user));
      const beyond = graph?.affectedBeyond(pairOf(op));
      if (!beyond) {
        storeWide = true;
        continue;
      }
      for (const pair of beyond.always) keys.add(k.base + relationGen(pair));
      if (!isPlainUser(op.user)) for (const pair of beyond.sharedUser) keys.add(k.base + relationGen(pair));
    }
    return { graphId: graph?.modelId ?? NO_GRAPH, keys, storeWide };
  }

  /** The scope of a check of `t`. Undefined without a graph, or for a relation the model lacks (OpenFGA will say what is wrong). */
  forRead(t: Tuple): ReadScope | undefined {
    return this.build(typeOf(t.object), t.relation, { from: t.object }, (deps) => {
      const ranges: IndexRange[] = [];
      for (const pair of deps.spread) ranges.push({ pair, kind: 'a', value: '' });
      for (const pair of deps.local) if (!deps.spread.has(pair)) ranges.push({ pair, kind: 'o', value: t.object });
      for (const pair of deps.byUser) {
        if (deps.spread.has(pair)) continue;
        ranges.push({ pair, kind: 'u', value: t.user }, { pair, kind: 'n', value: '' });
      }
      return ranges;
    });
  }

  /**
   * The scope of a list query: every outstanding op on the pairs the queried
   * `type#relation` depends on, narrowed where the query fixes a side.
   * listObjects fixes the user, so the pairs read by user need only that
   * user's ops (and the wildcard/userset ones), as a check's do; every
   * object varies, so the pairs read by object are read whole. listUsers
   * fixes the object: its pairs read by object need only that object's ops;
   * users vary, so the by-user pairs are read whole.
   */
  forList(q: ListedRelation): ReadScope | undefined {
    // listUsers reads its by-user pairs whole too (users vary): only the spread ones may be narrowed.
    const scope = this.build(q.type, q.relation, q.object !== undefined ? { from: q.object, alsoWhole: 'byUser' } : undefined, (deps) => {
      const ranges: IndexRange[] = [];
      if (q.user !== undefined) {
        for (const pair of new Set([...deps.spread, ...deps.local])) ranges.push({ pair, kind: 'a', value: '' });
        for (const pair of deps.byUser) {
          if (deps.spread.has(pair) || deps.local.has(pair)) continue;
          ranges.push({ pair, kind: 'u', value: q.user }, { pair, kind: 'n', value: '' });
        }
      } else {
        for (const pair of new Set([...deps.spread, ...deps.byUser])) ranges.push({ pair, kind: 'a', value: '' });
        for (const pair of deps.local)
          if (!deps.spread.has(pair) && !deps.byUser.has(pair)) ranges.push({ pair, kind: 'o', value: q.object ?? '' });
      }
      return ranges;
    });
    return scope && { ...scope, granting: this.current!.grantingPairs(q.type, q.relation) };
  }

  private build(
    type: string,
    relation: string,
    fixed: { from: string; alsoWhole?: 'byUser' } | undefined,
    ranges: (deps: RelationDependencies) => IndexRange[],
  ): ReadScope | undefined {
    const graph = this.current;
    const deps = graph?.dependencies(type, relation);
    if (!graph || !deps) return undefined;
    return {
      graphId: graph.modelId,
      relationKey: this.keys.base + relationGen(`${type}#${relation}`),
      ranges: ranges(deps),
      positive: deps.positive,
      negative: deps.negative,
      conditional: deps.conditional,
      ...(fixed && deps.tuplesets ? reachOf(fixed.from, deps.tuplesets, deps.spread, fixed.alsoWhole && deps.byUser) : {}),
    };
  }
}

function reachOf(
  from: string,
  tuplesets: ReadonlyMap<string, readonly string[]>,
  spread: ReadonlySet<string>,
  readWhole: ReadonlySet<string> | undefined,
): Pick<ReadScope, 'reach'> {
  // A check (every call, warm ones too) takes the spread set as it is; only listUsers filters it.
  const narrowable = readWhole ? new Set([...spread].filter((pair) => !readWhole.has(pair))) : spread;
  return narrowable.size > 0 ? { reach: { from, tuplesets, pairs: narrowable } } : {};
}

/** What a list query reads: a `type#relation`, with its user fixed (listObjects) or its object (listUsers). */
export type ListedRelation = { type: string; relation: string } & ({ user: string; object?: never } | { object: string; user?: never });
