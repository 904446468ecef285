/** Tuples the benchmarks write: a distinct object per index, users drawn from a pool of 1000 (a realistic fan-in). */
import type { Tuple } from '../../src/tuple/tuple';

export const USER_POOL = 1000;

export function benchTuple(tag: string, i: number, relation = 'viewer'): Tuple {
  return { user: `user:u${i % USER_POOL}`, relation, object: `document:${tag}-${i}` };
}

export function benchTuples(tag: string, from: number, count: number): Tuple[] {
  return Array.from({ length: count }, (_, k) => benchTuple(tag, from + k));
}
