import { tupleKey } from '../redis/redis-keys';
import { IncompleteWriteError } from '../tuple/incomplete-write.error';
import type { TupleOperation } from '../tuple/tuple';
import type { FgaClient } from './fga-client';

/**
 * Write-through mode (`enabled: false`): the ops go straight to OpenFGA. Per
 * tuple only the last op is sent (OpenFGA rejects a Write naming one tuple
 * twice), in Write requests of at most `maxTuplesPerWrite`, one after another.
 * A request failing after others succeeded throws an `IncompleteWriteError`
 * saying how many tuples were written.
 */
export async function writeThrough(
  client: FgaClient,
  ops: readonly TupleOperation[],
  maxTuplesPerWrite: number,
  modelId: string | undefined,
): Promise<void> {
  const latest = new Map<string, TupleOperation>();
  for (const op of ops) latest.set(tupleKey(op), op);
  const tuples = [...latest.values()];
  for (let from = 0; from < tuples.length; from += maxTuplesPerWrite) {
    const chunk = tuples.slice(from, from + maxTuplesPerWrite);
    try {
      await client.write(
        chunk.filter((o) => o.kind === 'grant'),
        chunk.filter((o) => o.kind === 'revoke'),
        modelId,
      );
    } catch (err) {
      if (from === 0) throw err;
      throw new IncompleteWriteError(from, tuples.length, 'written to OpenFGA', err);
    }
  }
}
