import { tupleKey } from '../redis/redis-keys';
import { IncompleteWriteError } from '../tuple/incomplete-write.error';
import type { TupleOperation } from '../tuple/tuple';

/**
 * Runs `step` over the last op per tuple of a call (by tuple key), in steps of
 * at most `size`, one after another: the buffer's enqueue (one script per step
 * keeps Redis responsive) and write-through (one Write per step). A step that
 * fails after others succeeded throws an `IncompleteWriteError` saying how many
 * tuples were `done` (a prefix, never part of a step). Returns the last step's result.
 */
export async function inLastOpSteps<R>(
  ops: readonly TupleOperation[],
  size: number,
  done: string,
  step: (chunk: [string, TupleOperation][]) => Promise<R>,
): Promise<R | undefined> {
  // A lone grant or revoke (the hot path) is one step of one tuple.
  if (ops.length === 1) return step([[tupleKey(ops[0]), ops[0]]]);
  const latest = new Map<string, TupleOperation>();
  for (const op of ops) latest.set(tupleKey(op), op);
  const tuples = [...latest];
  let result: R | undefined;
  for (let from = 0; from < tuples.length; from += size) {
    try {
      result = await step(tuples.slice(from, from + size));
    } catch (err) {
      if (from === 0) throw err;
      throw new IncompleteWriteError(from, tuples.length, done, err);
    }
  }
  return result;
}
