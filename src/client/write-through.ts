import { inLastOpSteps } from './last-op-steps';
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
  await inLastOpSteps(ops, maxTuplesPerWrite, 'written to OpenFGA', (chunk) => {
    const tuples = chunk.map(([, op]) => op);
    return client.write(
      tuples.filter((o) => o.kind === 'grant'),
      tuples.filter((o) => o.kind === 'revoke'),
      modelId,
    );
  });
}
