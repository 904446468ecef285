import type { OutstandingOps } from '../buffer/outstanding-ops';
import { isPlainUser, typeOf } from '../model/relation-graph';
import type { IndexRange, ReadScope } from '../scope/relation-scope';
import type { Tuple } from '../tuple/tuple';

/** The users of the stored tuples of `object#relation`, or undefined when there are more than `most` (FgaClient.readUsers). */
export type StoredUsers = (object: string, relation: string, most: number) => Promise<string[] | undefined>;

/**
 * Most objects a read follows its tupleset edges to. A tree walked upwards
 * (a document's folders) reaches a handful; past this the read keeps its
 * whole spread pairs, as before narrowing existed.
 */
export const MAX_PATH_OBJECTS = 64;

/**
 * Narrows a read's spread pairs to the objects on its path. A pair read
 * through a tuple-to-userset (`folder#parent` for `viewer from parent`) is
 * read whole by default: any object's op there may reach the checked one.
 * During an import of a hierarchy that is thousands of ops, all written
 * first. When the model reaches other objects through tuple-to-usersets
 * only, the objects that matter are those reached from the read's object
 * along the tupleset edges, stored or outstanding: the walk reads, hop by
 * hop, the outstanding ops on the frontier's tupleset relations (the index,
 * by object) and then the stored ones (OpenFGA Read). In that order, an op
 * settled in between is found in OpenFGA; an op buffered after the walk
 * read its object is concurrent with the read. Outstanding revokes are
 * followed too (the stored edge may still be there).
 */
export class PathReach {
  constructor(
    private readonly outstanding: OutstandingOps,
    private readonly stored: StoredUsers,
  ) {}

  /** The scope with its spread pairs read on the path's objects only, or undefined when it cannot be narrowed. */
  async narrow(probe: Tuple, scope: ReadScope): Promise<ReadScope | undefined> {
    const reach = scope.reach;
    if (!reach) return undefined;
    const reached = new Set([reach.from]);
    let frontier = [reach.from];
    while (frontier.length > 0) {
      const edges = frontier.flatMap((object) => (reach.tuplesets.get(typeOf(object)) ?? []).map((relation) => ({ object, relation })));
      if (edges.length === 0) break;
      const ranges = edges.map((e): IndexRange => ({ pair: `${typeOf(e.object)}#${e.relation}`, kind: 'o', value: e.object }));
      const pending = await this.outstanding.snapshot(
        probe,
        { ...scope, ranges, reach: undefined },
        { listed: MAX_PATH_OBJECTS, grants: 0 },
      );
      if (!pending.complete || !pending.ops) return undefined;
      const stored = await Promise.all(edges.map((e) => this.stored(e.object, e.relation, MAX_PATH_OBJECTS)));
      const next: string[] = [];
      for (const users of [pending.ops.map((op) => op.tuple.user), ...stored]) {
        if (!users) return undefined;
        for (const user of users) {
          // A tupleset names objects; anything else (a model this walk does not know) keeps the whole pairs.
          if (!isPlainUser(user)) return undefined;
          if (reached.has(user)) continue;
          reached.add(user);
          next.push(user);
        }
      }
      if (reached.size > MAX_PATH_OBJECTS) return undefined;
      frontier = next;
    }
    const ranges: IndexRange[] = [];
    for (const r of scope.ranges) {
      if (r.kind !== 'a' || !reach.pairs.has(r.pair)) {
        ranges.push(r);
        continue;
      }
      const type = r.pair.slice(0, r.pair.indexOf('#'));
      for (const object of reached) if (typeOf(object) === type) ranges.push({ pair: r.pair, kind: 'o', value: object });
    }
    return { ...scope, ranges, reach: undefined };
  }
}
