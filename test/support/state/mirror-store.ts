import type { OpenFgaClient } from '@openfga/sdk';
import type { Tuple, TupleOperationKind } from '../../../src';

/** What the property specs record through the module under test (the service or the fake). */
interface Recorder {
  grant(user: string, relation: string, object: string): Promise<unknown>;
  revoke(user: string, relation: string, object: string): Promise<unknown>;
}

/**
 * Records `kind` of `t` through the module and, once it is acknowledged, writes the same operation
 * straight to the mirror store with the SDK (ignoring duplicates and missing tuples, as the flusher
 * does): the mirror is what OpenFGA answers once every acknowledged operation is written.
 */
export async function recordAndMirror(recorder: Recorder, mirror: OpenFgaClient, kind: TupleOperationKind, t: Tuple): Promise<void> {
  await recorder[kind](t.user, t.relation, t.object);
  const conflict = { conflict: { onDuplicateWrites: 'ignore', onMissingDeletes: 'ignore' } } as never;
  if (kind === 'grant') await mirror.writeTuples([t], conflict);
  else await mirror.deleteTuples([t], conflict);
}
