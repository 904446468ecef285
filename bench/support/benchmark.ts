import type { BenchContext } from './context';
import type { Measured } from './result';

/** One benchmark: an id from the table, a title for the report, and the measurement. */
export interface Benchmark {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<Measured>;
}
