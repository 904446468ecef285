import type { ListUsersResponse, OpenFgaClient } from '@openfga/sdk';
import type { ConditionalTuple, GrantOptions, Tuple, TupleOperationKind } from '../../../src';

/** What the property specs record through the module under test (the service or the fake). */
interface Recorder<T> {
  grant(user: string, relation: string, object: string, options?: GrantOptions): Promise<T>;
  revoke(user: string, relation: string, object: string): Promise<T>;
}

/** OpenFGA's per-request cap on tuples in one Write. */
const WRITE_CAP = 100;
const CONFLICT = { conflict: { onDuplicateWrites: 'ignore', onMissingDeletes: 'ignore' } } as never;

/**
 * Records `kind` of `t` through the module and, once it is acknowledged, writes the same operation
 * straight to the mirror store with the SDK (ignoring duplicates and missing tuples, as the flusher
 * does): the mirror is what OpenFGA answers once every acknowledged operation is written.
 * A grant's condition goes to both. Resolves to what the module returned (its consistency token).
 */
export async function recordAndMirror<T>(
  recorder: Recorder<T>,
  mirror: OpenFgaClient,
  kind: TupleOperationKind,
  t: ConditionalTuple,
): Promise<T> {
  const acknowledged =
    kind === 'grant' && t.condition
      ? await recorder.grant(t.user, t.relation, t.object, { condition: t.condition })
      : await recorder[kind](t.user, t.relation, t.object);
  await mirrorWrite(mirror, kind, [t]);
  return acknowledged;
}

/**
 * Applies acknowledged operations to the mirror store, in Writes of at most 100 tuples. A grant that
 * changes a stored tuple's condition replaces it (delete, then write), as the flusher does: OpenFGA
 * answers 409 to a write of an existing tuple with another condition, even with duplicates ignored.
 */
export async function mirrorWrite(mirror: OpenFgaClient, kind: TupleOperationKind, tuples: readonly ConditionalTuple[]): Promise<void> {
  for (let from = 0; from < tuples.length; from += WRITE_CAP) {
    const chunk = tuples.slice(from, from + WRITE_CAP);
    if (kind === 'revoke') {
      await mirror.deleteTuples(chunk.map(plain), CONFLICT);
      continue;
    }
    try {
      await mirror.writeTuples([...chunk], CONFLICT);
    } catch {
      for (const t of chunk) {
        await mirror.deleteTuples([plain(t)], CONFLICT);
        await mirror.writeTuples([t], CONFLICT);
      }
    }
  }
}

const plain = ({ user, relation, object }: Tuple): Tuple => ({ user, relation, object });

/**
 * The mirror's ListUsers answer as the module lists users: `type:id`, `type:id#relation`, `type:*`,
 * sorted. Written here, not taken from the module, so the oracle does not share its code.
 */
export function mirrorUsers(res: ListUsersResponse): string[] {
  return res.users
    .map((u) =>
      u.object
        ? `${u.object.type}:${u.object.id}`
        : u.userset
          ? `${u.userset.type}:${u.userset.id}#${u.userset.relation}`
          : `${u.wildcard!.type}:*`,
    )
    .sort();
}
