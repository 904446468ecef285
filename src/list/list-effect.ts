import { isPlainUser, pairOf, typeOf } from '../model/relation-graph';
import type { Tuple } from '../tuple/tuple';
import type { ListQuery } from './list-query';

/** An outstanding op as a list sees it (OutstandingOp; the testing fake maps its buffered ops to it). */
export interface ListedOp {
  kind: 'grant' | 'revoke';
  tuple: Tuple;
  condition?: unknown;
}

/**
 * What a relevant op does to a list, where the scope's granting pairs tell (a plain tuple there relates
 * its user to its object and reaches no one else's answers): the item it adds (a plain grant to the
 * listed user: its object; on the listed object to a user of a listed type: that user), null when it
 * changes nothing here (another user's tuple), undefined otherwise (sent or written first, as usual).
 */
export type ListEffect = (op: ListedOp) => string | null | undefined;

export function effectOnList(q: ListQuery, granting: ReadonlyMap<string, ReadonlySet<string>> | undefined): ListEffect {
  if (!granting) return () => undefined;
  if (q.kind === 'objects') {
    if (!isPlainUser(q.user)) return () => undefined;
    const userType = typeOf(q.user);
    return (op) => {
      const types = granting.get(pairOf(op.tuple));
      if (!types || op.condition || !isPlainUser(op.tuple.user)) return undefined;
      if (op.tuple.user !== q.user) return null;
      return op.kind === 'grant' && types.has(userType) ? op.tuple.object : undefined;
    };
  }
  const listedTypes = new Set(q.userFilters.filter((f) => !f.relation).map((f) => f.type));
  return (op) => {
    const types = granting.get(pairOf(op.tuple));
    if (!types || op.condition || !isPlainUser(op.tuple.user)) return undefined;
    const userType = typeOf(op.tuple.user);
    if (op.tuple.object !== q.object || !listedTypes.has(userType)) return null;
    return op.kind === 'grant' && types.has(userType) ? op.tuple.user : undefined;
  };
}
