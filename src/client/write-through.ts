import { inLastOpSteps } from './last-op-steps';
import type { TupleOperation } from '../tuple/tuple';
import type { FgaClient } from './fga-client';
import { isConditionConflict } from './classify-error';
import { replaceConditions } from './tuple-writer';

/**
 * Write-through mode (`enabled: false`): the ops go straight to OpenFGA. Per
 * tuple only the last op is sent (OpenFGA rejects a Write naming one tuple
 * twice), in Write requests of at most `maxTuplesPerWrite`, one after another.
 * A grant that changes an existing tuple's condition replaces it (delete, then write: see replaceConditions).
 * A request failing after others succeeded throws an `IncompleteWriteError`
 * saying how many tuples were written.
 */
export async function writeThrough(
  client: FgaClient,
  ops: readonly TupleOperation[],
  maxTuplesPerWrite: number,
  modelId: string | undefined,
): Promise<void> {
  await inLastOpSteps(ops, maxTuplesPerWrite, 'written to OpenFGA', async (chunk) => {
    const tuples = chunk.map(([, op]) => op);
    const grants = tuples.filter((o) => o.kind === 'grant');
    const revokes = tuples.filter((o) => o.kind === 'revoke');
    try {
      await client.write(grants, revokes, modelId);
    } catch (err) {
      if (!isConditionConflict(err)) throw err;
      // A grant changes its tuple's condition: the step's grants are deleted, then written with their
      // conditions (a failure in between leaves them absent: the call throws, and repeating it is safe).
      await replaceConditions(client, grants, modelId);
      if (revokes.length) await client.write([], revokes, modelId);
    }
  });
}
